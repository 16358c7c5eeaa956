"""Documents on disk -> text -> structure -> passages."""
