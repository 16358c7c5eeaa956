"""A fake Telegram Bot API server for offline tests (aiohttp, 127.0.0.1 only).

It answers the methods the bot uses in Telegram's own JSON shapes, including Telegram's
errors, so the real python-telegram-bot `Application` can be driven over HTTP:

* `/bot<token>/<method>`; an unknown token gets 401 Unauthorized (as Telegram does).
* getUpdates serves a queue that the test fills (`say`, `tap`, `inline`), honouring
  `offset` (confirmed updates are dropped), `timeout` (long polling that wakes up as soon
  as an update arrives), `limit` and `allowed_updates`.
* sendMessage / editMessageText validate HTML the way Telegram does: only Telegram's tags,
  balanced, every `<`, `>` and `&` escaped ("can't parse entities"); the text after
  entity parsing must be 1..4096 UTF-16 units ("message is too long"); an edit that
  changes nothing is "message is not modified". Button data must be 1..64 bytes.
* Every call is recorded (`calls`) with its parameters and result or error; `wait_for`
  waits for a matching call without sleeping.
* Files: `send_document` queues a message carrying a document; getFile answers with a
  `file_path` ("file is too big" over 20 MB, as the cloud Bot API says) and the bytes are
  served at `/file/bot<token>/<file_path>` (404 for a wrong token or path); downloads are
  recorded in `downloads`.
* Faults, only when a test asks for them (`inject`, `slow_down`, `restart`): Telegram's
  429 with `retry_after`, 500, a 502 HTML page from the proxy, a connection dropped without
  an answer, a call held before it is done (if the client gives up meanwhile it is never done,
  as when a request does not reach Telegram, and the hold ends then) or done and answered late,
  and the whole
  server going away and coming back on the same port with its state. getUpdates drops only
  updates below the `offset` it is called with, as Telegram does; update ids are unique in
  the process (as they grow for a bot on Telegram), so one test's saved offset never hides
  another test's updates.
* leaveChat: the bot leaves a group; sending there afterwards is 403 Forbidden.
* `migrate`: a basic group becomes a supergroup with a new id; sending to the old id is refused
  with Telegram's "group chat was upgraded" error carrying `migrate_to_chat_id`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.support.waiting import PATIENCE

TOKEN = "7000001:AAFakeTokenForTestsOnly-abcdefghijklmn"
BOT_ID = 7000001
BOT_USERNAME = "speech_test_bot"
MAX_TEXT = 4096
MAX_CALLBACK_DATA = 64
MAX_CALLBACK_ANSWER = 200
MAX_DOWNLOAD = 20 * 1024 * 1024  # getFile refuses bigger files on the cloud Bot API

# Parameters that python-telegram-bot sends as plain strings (everything else is JSON).
_STRING_FIELDS = {
    "text",
    "parse_mode",
    "callback_query_id",
    "inline_query_id",
    "url",
    "secret_token",
    "next_offset",
    "inline_message_id",
    "switch_pm_text",
    "switch_pm_parameter",
    "language_code",
}

# Telegram's HTML: tag -> entity type.
_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_START_TAG = re.compile(
    r"<([A-Za-z][A-Za-z0-9-]*)((?:\s+[A-Za-z-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>\"']+))?)*)\s*>"
)
_ATTR = re.compile(r"([A-Za-z-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>\"']+)))?")
_ENTITY = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([A-Za-z]+));")

# Update ids keep growing across every fake server in the process, as for one bot on Telegram.
_UPDATE_IDS = itertools.count(1)


_STATUS_TEXT = {
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


class ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: dict | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


def bad_request(description: str) -> ApiError:
    return ApiError(400, "Bad Request: " + description)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_html(source: str) -> tuple[str, list[dict]]:
    """Telegram's HTML parse mode: (text, entities), or ApiError "can't parse entities"."""

    def fail(reason: str) -> ApiError:
        return bad_request("can't parse entities: " + reason)

    def at(i: int) -> int:
        return len(source[:i].encode("utf-8"))

    out: list[str] = []
    length = 0  # UTF-16 units so far
    stack: list[tuple[str, int, dict]] = []
    entities: list[dict] = []
    i = 0
    while i < len(source):
        ch = source[i]
        if ch == "<":
            if source.startswith("</", i):
                j = source.find(">", i)
                if j < 0:
                    raise fail(f"Unclosed end tag at byte offset {at(i)}")
                name = source[i + 2 : j].strip().lower()
                if not stack:
                    raise fail(f"Unexpected end tag at byte offset {at(i)}")
                open_name, start, attrs = stack.pop()
                if name != open_name:
                    raise fail(
                        f"Unmatched end tag at byte offset {at(i)}, "
                        f'expected "</{open_name}>", found "</{name}>"'
                    )
                if length > start:
                    entity = {"type": _TAGS[open_name], "offset": start, "length": length - start}
                    if open_name == "a":
                        entity["url"] = attrs["href"]
                    entities.append(entity)
                i = j + 1
                continue
            m = _START_TAG.match(source, i)
            if not m:
                raise fail(f"Unexpected end of name token at byte offset {at(i)}")
            name = m.group(1).lower()
            if name not in _TAGS:
                raise fail(f'Unsupported start tag "{name}" at byte offset {at(i)}')
            attrs = {
                a.group(1).lower(): a.group(2) or a.group(3) or a.group(4) or ""
                for a in _ATTR.finditer(m.group(2))
            }
            if name == "span" and attrs.get("class") != "tg-spoiler":
                raise fail(f'Tag "span" must have class "tg-spoiler" at byte offset {at(i)}')
            if name == "a" and not attrs.get("href"):
                raise fail(f'Tag "a" must have attribute "href" at byte offset {at(i)}')
            stack.append((name, length, attrs))
            i = m.end()
            continue
        if ch == ">":
            raise fail(f'Unescaped ">" at byte offset {at(i)}')
        if ch == "&":
            m = _ENTITY.match(source, i)
            if not m or (m.group(3) is not None and m.group(3).lower() not in _NAMED_ENTITIES):
                raise fail(f"Character entity expected at byte offset {at(i)}")
            if m.group(1) is not None:
                ch = chr(int(m.group(1)))
            elif m.group(2) is not None:
                ch = chr(int(m.group(2), 16))
            else:
                ch = _NAMED_ENTITIES[m.group(3).lower()]
            i = m.end()
        else:
            i += 1
        out.append(ch)
        length += utf16_len(ch)
    if stack:
        raise fail(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


@dataclass
class Fault:
    """What the fake does to one call instead of answering it at once (see `FakeBotApi.inject`).

    kind "status": answer `status` with Telegram's JSON error (429 carries `retry_after`); not done.
    kind "gateway": answer 502 with an HTML page, as Telegram's front proxy does; not done.
    kind "drop": close the connection without an answer; not done.
    kind "delay": hold the call `seconds` (or until `FakeBotApi.release`) before doing it; if
                  the client goes away meanwhile (it timed out, or its process stopped), the
                  hold ends and the call is never done.
    kind "late": do the call at once, answer it `seconds` later (maybe after the client gave up).
    """

    kind: str
    status: int = 500
    seconds: float = 0.0
    retry_after: int | None = None

    @classmethod
    def too_many_requests(cls, retry_after: int = 1) -> Fault:
        return cls("status", 429, retry_after=retry_after)

    @classmethod
    def server_error(cls, status: int = 500) -> Fault:
        return cls("status", status)

    @classmethod
    def bad_gateway(cls) -> Fault:
        return cls("gateway", 502)

    @classmethod
    def drop(cls) -> Fault:
        return cls("drop")

    @classmethod
    def delay(cls, seconds: float) -> Fault:
        return cls("delay", seconds=seconds)

    @classmethod
    def late(cls, seconds: float) -> Fault:
        return cls("late", seconds=seconds)


_GATEWAY_PAGE = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway"
    "</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n"
)


@dataclass
class Call:
    method: str
    params: dict
    at: float
    ok: bool = True
    result: Any = None
    error: str | None = None

    @property
    def chat_id(self) -> int | None:
        return self.params.get("chat_id")

    @property
    def reply_to(self) -> int | None:
        reply = self.params.get("reply_parameters") or {}
        return reply.get("message_id") or self.params.get("reply_to_message_id")

    @property
    def thread(self) -> int | None:
        return self.params.get("message_thread_id")

    @property
    def text(self) -> str:
        """The text as the user sees it (after HTML parsing) for a successful send/edit."""
        if isinstance(self.result, dict):
            return self.result.get("text", "")
        return ""

    @property
    def buttons(self) -> list[dict]:
        markup = self.params.get("reply_markup") or {}
        return [b for row in markup.get("inline_keyboard", []) for b in row]


@dataclass
class User:
    id: int
    first_name: str
    username: str | None = None

    def json(self) -> dict:
        out = {
            "id": self.id,
            "is_bot": False,
            "first_name": self.first_name,
            "language_code": "zh-hans",
        }
        if self.username:
            out["username"] = self.username
        return out


@dataclass
class FakeBotApi:
    token: str = TOKEN
    username: str = BOT_USERNAME
    bot_id: int = BOT_ID
    calls: list[Call] = field(default_factory=list)
    fail_next: dict[str, ApiError] = field(default_factory=dict)  # method -> its error, once

    def __post_init__(self) -> None:
        self.updates: list[dict] = []
        self.chats: dict[int, dict] = {}
        self.messages: dict[tuple[int, int], dict] = {}
        self.callback_queries: dict[str, bool] = {}  # id -> answered
        self.inline_queries: dict[str, bool] = {}
        self.commands: dict[str, list[dict]] = {}
        self.webhook: dict | None = None
        self.allowed_updates: list[str] | None = None
        self.polls = 0
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, bytes)
        self.downloads: list[str] = []  # file paths fetched from the file endpoint
        self._file_ids = itertools.count(1)
        self._update_ids = _UPDATE_IDS
        self._query_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count] = {}
        self._changed = asyncio.Event()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self.base_url = ""
        self.port = 0
        # fault injection: nothing happens unless a test asks
        # method (lower case) -> faults for its next calls, in order
        self.faults: dict[str, list[Fault]] = {}
        self.slow: dict[str, float] = {}  # method -> hold every call this long before doing it
        self.faults_served: list[tuple[str, str]] = []  # (method, kind) of each fault applied
        self.abandoned: list[Call] = []  # calls held by a fault whose client went away: never done
        self.holding = 0  # calls being held by a "delay" fault right now
        self._releases = 0  # how many times `release` was called
        self.restarts = 0
        self.left: set[int] = set()  # groups the bot left (leaveChat)
        self.migrated: dict[int, int] = {}  # basic group id -> the supergroup it became
        self.methods: dict[str, Callable] = {
            "getme": self.get_me,
            "getupdates": self.get_updates,
            "deletewebhook": self.delete_webhook,
            "setwebhook": self.set_webhook,
            "getwebhookinfo": self.get_webhook_info,
            "setmycommands": self.set_my_commands,
            "sendmessage": self.send_message,
            "editmessagetext": self.edit_message_text,
            "editmessagereplymarkup": self.edit_message_reply_markup,
            "answercallbackquery": self.answer_callback_query,
            "answerinlinequery": self.answer_inline_query,
            "sendchataction": self.send_chat_action,
            "getfile": self.get_file,
            "leavechat": self.leave_chat,
        }

    # ---- server --------------------------------------------------------------------------
    async def start(self, port: int = 0) -> str:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/file/bot{token}/{path:.*}", self._download)
        # no access log: it shows the token
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = self._runner.addresses[0][1]  # the port the system chose, if `port` was 0
        self.base_url = f"http://127.0.0.1:{self.port}/bot"
        return self.base_url

    async def restart(self, down: float = 1.0) -> None:
        """The server goes away (open connections are cut, new ones refused) for `down` seconds and
        comes back on the same port with everything it had: queued updates, chats, messages."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self.restarts += 1
        await asyncio.sleep(down)
        await self.start(self.port)

    def inject(self, method: str, *faults: Fault) -> None:
        """The next calls to `method` meet `faults`, one each, in order (after those queued)."""
        self.faults.setdefault(method.lower(), []).extend(faults)

    def slow_down(self, method: str, seconds: float | None) -> None:
        """Hold every call to `method` `seconds` before doing it (None: back to normal); a call
        whose client has gone away by then is never done."""
        if seconds is None:
            self.slow.pop(method.lower(), None)
        else:
            self.slow[method.lower()] = seconds

    def _fault_for(self, method: str) -> Fault | None:
        queued = self.faults.get(method)
        if queued:
            return queued.pop(0)
        if method in self.slow:
            return Fault.delay(self.slow[method])
        return None

    async def _faulty(
        self, request: web.Request, method: str, call: Call, fault: Fault
    ) -> web.StreamResponse | None:
        """Apply `fault` to a call; a response to send instead of doing it, or None to go on."""
        self.faults_served.append((method, fault.kind))
        if fault.kind == "status":
            body: dict[str, Any] = {
                "ok": False,
                "error_code": fault.status,
                "description": _STATUS_TEXT.get(fault.status, "Internal Server Error"),
            }
            if fault.retry_after is not None:
                body["description"] = f"Too Many Requests: retry after {fault.retry_after}"
                body["parameters"] = {"retry_after": fault.retry_after}
            self._fail(call, method, body["description"])
            return web.json_response(body, status=fault.status)
        if fault.kind == "gateway":
            self._fail(call, method, "502 Bad Gateway")
            return web.Response(text=_GATEWAY_PAGE, status=502, content_type="text/html")
        if fault.kind == "drop":
            self._fail(call, method, "connection dropped")
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=500)  # never reaches the client: the connection is gone
        if fault.kind == "delay":
            self.holding += 1
            try:
                gone = await self._hold(request, fault.seconds)
            finally:
                self.holding -= 1
            if gone:
                call.ok, call.error = False, "abandoned: the client went away before it was done"
                self.abandoned.append(call)
                self._notify()
                return web.Response(status=499)
        return None  # "late" is applied after the call is done

    def release(self) -> None:
        """End the holds of every call held now: they go on as if their time were up."""
        self._releases += 1

    async def _hold(self, request: web.Request, seconds: float) -> bool:
        """Hold a call `seconds`, until `release`, or until its client closes the connection;
        whether the client is gone."""
        deadline = time.perf_counter() + seconds
        releases = self._releases
        while (left := deadline - time.perf_counter()) > 0 and self._releases == releases:
            if request.transport is None or request.transport.is_closing():
                return True
            await asyncio.sleep(min(left, 0.05))
        return request.transport is None or request.transport.is_closing()

    def _fail(self, call: Call, method: str, error: str) -> None:
        call.ok, call.error = False, "fault: " + error
        if method != "getupdates":
            self._record(call)

    async def stop(self) -> None:
        self._closing = True
        self._notify()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _not_found(self, request: web.Request) -> web.Response:
        return web.json_response(
            {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
        )

    async def _download(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        if request.match_info["token"] != self.token:
            return await self._not_found(request)
        for file_path, data in self.files.values():
            if file_path == path:
                self.downloads.append(path)
                return web.Response(body=data, content_type="application/octet-stream")
        return await self._not_found(request)

    async def _params(self, request: web.Request) -> dict:
        params: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                params.update(await request.json())
                return params
            form = await request.post()
            params.update({k: v for k, v in form.items() if isinstance(v, str)})
        for key, value in list(params.items()):
            if key not in _STRING_FIELDS and isinstance(value, str):
                try:
                    params[key] = json.loads(value)
                except ValueError:
                    pass
        return params

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"].lower()
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        handler = self.methods.get(method)
        if handler is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        params = await self._params(request)
        call = Call(request.match_info["method"], params, time.perf_counter())
        fault = self._fault_for(method)
        if fault is not None:
            instead = await self._faulty(request, method, call, fault)
            if instead is not None:
                return instead
        try:
            if method in self.fail_next:
                raise self.fail_next.pop(method)
            call.result = await handler(params)
        except ApiError as exc:
            call.ok, call.error = False, exc.description
            body = {"ok": False, "error_code": exc.code, "description": exc.description}
            if exc.parameters:
                body["parameters"] = exc.parameters
            if method != "getupdates":
                self._record(call)
            return web.json_response(body, status=exc.code)
        if method != "getupdates":
            self._record(call)
        if fault is not None and fault.kind == "late":
            # done, but the answer may arrive after the client gave up
            await asyncio.sleep(fault.seconds)
        return web.json_response({"ok": True, "result": call.result})

    def _record(self, call: Call) -> None:
        call.at = time.perf_counter()
        self.calls.append(call)
        self._notify()

    def _notify(self) -> None:
        event, self._changed = self._changed, asyncio.Event()
        event.set()

    async def _changed_or_timeout(self, timeout: float) -> None:
        try:
            await asyncio.wait_for(self._changed.wait(), timeout)
        except TimeoutError:
            pass

    # ---- what the test does --------------------------------------------------------------
    def private_chat(self, user: User) -> dict:
        chat = {"id": user.id, "type": "private", "first_name": user.first_name}
        if user.username:
            chat["username"] = user.username
        self.chats.setdefault(user.id, chat)
        return self.chats[user.id]

    def group(self, chat_id: int, title: str = "学习小组", *, forum: bool = False) -> dict:
        chat = {"id": chat_id, "type": "supergroup", "title": title}
        if forum:
            chat["is_forum"] = True
        self.chats[chat_id] = chat
        return chat

    def basic_group(self, chat_id: int, title: str = "老群") -> dict:
        chat = {"id": chat_id, "type": "group", "title": title}
        self.chats[chat_id] = chat
        return chat

    def migrate(self, chat_id: int, new_id: int) -> dict:
        """The basic group becomes supergroup `new_id`; the old id is refused from now on."""
        old = self.chats[chat_id]
        self.migrated[chat_id] = new_id
        return self.group(new_id, old.get("title", ""))

    def new_topic(self, chat_id: int, name: str, creator: User) -> int:
        """A forum topic; its id (message_thread_id) is the id of its opening service message."""
        mid = self._next_message_id(chat_id)
        message = {
            "message_id": mid,
            "date": int(time.time()),
            "chat": self.chats[chat_id],
            "from": creator.json(),
            "message_thread_id": mid,
            "is_topic_message": True,
            "forum_topic_created": {"name": name, "icon_color": 7322096},
        }
        self.messages[(chat_id, mid)] = message
        return mid

    def compose(
        self,
        user: User,
        text: str,
        *,
        chat: int | None = None,
        reply_to: int | None = None,
        thread: int | None = None,
    ) -> dict:
        """A message from `user` (to the bot in private unless `chat`), stored, not delivered."""
        chat_id = chat if chat is not None else self.private_chat(user)["id"]
        return self._new_message(
            chat_id, user.json(), text, _entities_for(text), reply_to=reply_to, thread=thread
        )

    def say(self, user: User, text: str, **where: int | None) -> dict:
        """`user` sends `text`: the message is queued for getUpdates; returns it."""
        message = self.compose(user, text, **where)
        self.push({"message": message})
        return message

    def sticker(self, user: User, *, chat: int | None = None) -> dict:
        """`user` sends a sticker (a message without text): queued; returns the message."""
        chat_id = chat if chat is not None else self.private_chat(user)["id"]
        n = next(self._file_ids)
        message = self._new_message(chat_id, user.json(), None, [])
        message["sticker"] = {
            "file_id": f"CAACAgIAAxkBAAI{n:06d}",
            "file_unique_id": f"AgAD{n:06d}",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        self.push({"message": message})
        return message

    def send_document(
        self,
        user: User,
        name: str | None,
        data: bytes,
        *,
        chat: int | None = None,
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
        size: int | None = None,
    ) -> dict:
        """`user` sends a file as a document (to the bot in private unless `chat`): queued;
        returns the message."""
        chat_id = chat if chat is not None else self.private_chat(user)["id"]
        n = next(self._file_ids)
        file_id = f"BQACAgIAAxkBAAI{n:06d}"
        suffix = "." + name.rpartition(".")[2] if name and "." in name else ""
        self.files[file_id] = (f"documents/file_{n}{suffix}", data)
        document = {
            "file_id": file_id,
            "file_unique_id": f"AgAD{n:06d}",
            "mime_type": mime_type,
            "file_size": len(data) if size is None else size,  # a size as stated, for big files
        }
        if name is not None:
            document["file_name"] = name
        message = self._new_message(chat_id, user.json(), None, [])
        message["document"] = document
        if caption:
            message["caption"] = caption
        self.push({"message": message})
        return message

    def tap(
        self,
        user: User,
        message: dict,
        text: str | None = None,
        *,
        data: str | None = None,
        as_shown: bool = False,
    ) -> str:
        """`user` taps the button labelled `text` (or sends raw `data`) on `message`; returns the
        query id.

        The query carries the message as stored now (after edits), or `message` itself if `as_shown`
        (a tap on a stale screen, a deleted question)."""
        current = (
            message
            if as_shown
            else self.messages.get((message["chat"]["id"], message["message_id"]), message)
        )
        if data is None:
            for row in current.get("reply_markup", {}).get("inline_keyboard", []):
                for button in row:
                    if button["text"] == text:
                        data = button["callback_data"]
            if data is None:
                raise AssertionError(
                    f"no button {text!r} on message: {current.get('reply_markup')}"
                )
        query_id = str(next(self._query_ids) + 10**12)
        self.callback_queries[query_id] = False
        self.push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user.json(),
                    "chat_instance": "-4242",
                    "data": data,
                    "message": current,
                }
            }
        )
        return query_id

    def inline(self, user: User, query: str) -> str:
        query_id = str(next(self._query_ids) + 2 * 10**12)
        self.inline_queries[query_id] = False
        self.push(
            {
                "inline_query": {
                    "id": query_id,
                    "from": user.json(),
                    "query": query,
                    "offset": "",
                    "chat_type": "sender",
                }
            }
        )
        return query_id

    def push(self, update: dict) -> dict:
        update = {"update_id": next(self._update_ids), **update}
        self.updates.append(update)
        self._notify()
        return update

    async def wait_for(
        self, method: str, where: Callable[[Call], bool] = lambda c: True, timeout: float = PATIENCE
    ) -> Call:
        """The first recorded call to `method` matching `where` (waits for it to happen)."""
        deadline = time.perf_counter() + timeout
        seen = 0
        while True:
            for call in self.calls[seen:]:
                if call.method.lower() == method.lower() and where(call):
                    return call
            seen = len(self.calls)
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                made = [(c.method, c.chat_id, c.error) for c in self.calls]
                raise AssertionError(
                    f"no {method} call matching within {timeout:g} s; calls: {made}"
                )
            await self._changed_or_timeout(remaining)

    async def reply_to(self, message: dict, timeout: float = PATIENCE) -> Call:
        """The bot's sendMessage replying to `message`."""
        chat_id, mid = message["chat"]["id"], message["message_id"]
        return await self.wait_for(
            "sendMessage", lambda c: c.chat_id == chat_id and c.reply_to == mid, timeout
        )

    def sent(self, chat_id: int | None = None) -> list[Call]:
        return [
            c
            for c in self.calls
            if c.method.lower() == "sendmessage" and (chat_id is None or c.chat_id == chat_id)
        ]

    def message(self, call: Call) -> dict:
        """The bot's message as stored now (after any edits)."""
        return self.messages[(call.result["chat"]["id"], call.result["message_id"])]

    # ---- Bot API methods -----------------------------------------------------------------
    def _bot_user(self) -> dict:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "讲话问答",
            "username": self.username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
        }

    async def get_me(self, params: dict) -> dict:
        return self._bot_user()

    async def get_updates(self, params: dict) -> list[dict]:
        self.polls += 1
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        limit = int(params.get("limit") or 100)
        if "allowed_updates" in params:
            self.allowed_updates = params["allowed_updates"] or None
        if offset > 0:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        deadline = time.perf_counter() + timeout
        while True:
            wanted = [u for u in self.updates if u["update_id"] >= offset and self._allowed(u)]
            remaining = deadline - time.perf_counter()
            if wanted or remaining <= 0 or self._closing:
                return wanted[:limit]
            await self._changed_or_timeout(remaining)

    def _allowed(self, update: dict) -> bool:
        if not self.allowed_updates:
            return "chat_member" not in update and "message_reaction" not in update
        return any(kind in update for kind in self.allowed_updates)

    async def delete_webhook(self, params: dict) -> bool:
        self.webhook = None
        return True

    async def set_webhook(self, params: dict) -> bool:
        url = params.get("url") or ""
        if not url:
            self.webhook = None
            return True
        if not url.startswith("https://"):
            raise bad_request("bad webhook: HTTPS url must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise bad_request("secret token contains unallowed characters")
        self.webhook = {
            "url": url,
            "secret_token": secret,
            "allowed_updates": params.get("allowed_updates"),
        }
        return True

    async def get_webhook_info(self, params: dict) -> dict:
        return {
            "url": (self.webhook or {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self.updates),
        }

    async def set_my_commands(self, params: dict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command.get("command", "")):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        scope = (params.get("scope") or {"type": "default"})["type"]
        self.commands[scope] = commands
        return True

    async def get_file(self, params: dict) -> dict:
        file_id = params.get("file_id")
        if file_id not in self.files:
            raise bad_request("invalid file_id")
        path, data = self.files[file_id]
        if len(data) > MAX_DOWNLOAD:
            raise bad_request("file is too big")
        return {
            "file_id": file_id,
            "file_unique_id": "AgAD" + file_id[-6:],
            "file_size": len(data),
            "file_path": path,
        }

    async def send_chat_action(self, params: dict) -> bool:
        self._chat(params.get("chat_id"))
        return True

    def _chat(self, chat_id: Any) -> dict:
        if not isinstance(chat_id, int) or chat_id not in self.chats:
            raise bad_request("chat not found")
        return self.chats[chat_id]

    async def leave_chat(self, params: dict) -> bool:
        chat = self._chat(params.get("chat_id"))
        if chat["type"] == "private":
            raise bad_request("chat member status can't be changed in private chats")
        if chat["id"] in self.left:
            raise ApiError(403, "Forbidden: bot is not a member of the supergroup chat")
        self.left.add(chat["id"])
        return True

    def _text(self, params: dict, key: str = "text") -> tuple[str, list[dict]]:
        raw = params.get(key)
        if not isinstance(raw, str):
            raise bad_request("message text is empty")
        mode = (params.get("parse_mode") or "").upper()
        if mode == "HTML":
            text, entities = parse_html(raw)
        elif mode:
            raise bad_request(f"unsupported parse_mode {mode!r} in this fake")
        else:
            text, entities = raw, []
        if not text.strip():
            raise bad_request("message text is empty")
        if utf16_len(text) > MAX_TEXT:
            raise bad_request("message is too long")
        return text, entities

    def _markup(self, markup: Any) -> dict | None:
        if markup is None:
            return None
        rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
        if not isinstance(rows, list):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if sum(len(row) for row in rows) > 100:
            raise bad_request("reply markup is too long")
        for row in rows:
            for button in row:
                if not button.get("text"):
                    raise bad_request("BUTTON_TEXT_INVALID")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA:
                    raise bad_request("BUTTON_DATA_INVALID")
                if data is None and not any(
                    k in button
                    for k in ("url", "switch_inline_query", "switch_inline_query_current_chat")
                ):
                    raise bad_request(
                        "can't parse inline keyboard button: Text buttons are unallowed in the "
                        "inline keyboard"
                    )
        return markup if rows else None

    def _next_message_id(self, chat_id: int) -> int:
        counter = self._message_ids.setdefault(chat_id, itertools.count(100))
        return next(counter)

    def _new_message(
        self,
        chat_id: int,
        sender: dict,
        text: str | None,
        entities: list[dict],
        *,
        reply_to: int | None = None,
        thread: int | None = None,
        markup: dict | None = None,
        allow_without_reply: bool = False,
    ) -> dict:
        chat = self._chat(chat_id)
        if thread is not None:
            root = self.messages.get((chat_id, thread))
            if not chat.get("is_forum") or root is None or "forum_topic_created" not in root:
                raise bad_request("message thread not found")
        replied = self.messages.get((chat_id, reply_to)) if reply_to is not None else None
        if reply_to is not None and replied is None and not allow_without_reply:
            raise bad_request("message to be replied not found")
        message: dict[str, Any] = {
            "message_id": self._next_message_id(chat_id),
            "from": sender,
            "date": int(time.time()),
            "chat": chat,
        }
        if text is not None:
            message["text"] = text
        if entities:
            message["entities"] = entities
        if thread is not None:
            message["message_thread_id"] = thread
            message["is_topic_message"] = True
            if replied is None:  # forum posts point at the topic's opening
                replied = self.messages[(chat_id, thread)]
        if replied is not None:
            message["reply_to_message"] = {
                k: v for k, v in replied.items() if k != "reply_to_message"
            }
        if markup is not None:
            message["reply_markup"] = markup
        self.messages[(chat_id, message["message_id"])] = message
        return message

    async def send_message(self, params: dict) -> dict:
        chat_id = params.get("chat_id")
        self._chat(chat_id)
        if chat_id in self.migrated:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self.migrated[chat_id]},
            )
        if chat_id in self.left:
            raise ApiError(403, "Forbidden: bot is not a member of the supergroup chat")
        text, entities = self._text(params)
        markup = self._markup(params.get("reply_markup"))
        reply = params.get("reply_parameters") or {}
        reply_to = reply.get("message_id", params.get("reply_to_message_id"))
        assert isinstance(chat_id, int)  # _chat() checked it
        return self._new_message(
            chat_id,
            self._bot_user(),
            text,
            entities,
            reply_to=reply_to,
            thread=params.get("message_thread_id"),
            markup=markup,
            allow_without_reply=bool(
                reply.get("allow_sending_without_reply", params.get("allow_sending_without_reply"))
            ),
        )

    def _stored(self, params: dict) -> dict:
        if "inline_message_id" in params:
            raise bad_request("MESSAGE_ID_INVALID")
        chat_id = params.get("chat_id")
        self._chat(chat_id)
        assert isinstance(chat_id, int)  # _chat() checked it
        message = self.messages.get((chat_id, params.get("message_id")))  # type: ignore[arg-type]
        if message is None:
            raise bad_request("message to edit not found")
        if message.get("from", {}).get("id") != self.bot_id:
            raise bad_request("message can't be edited")
        return message

    async def edit_message_text(self, params: dict) -> dict:
        message = self._stored(params)
        text, entities = self._text(params)
        markup = self._markup(params.get("reply_markup"))
        if (
            text == message["text"]
            and entities == message.get("entities", [])
            and markup == message.get("reply_markup")
        ):
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        message["text"] = text
        message["entities"] = entities
        message.pop("reply_markup", None)
        if markup is not None:
            message["reply_markup"] = markup
        message["edit_date"] = int(time.time())
        return message

    async def edit_message_reply_markup(self, params: dict) -> dict:
        message = self._stored(params)
        markup = self._markup(params.get("reply_markup"))
        if markup == message.get("reply_markup"):
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        message.pop("reply_markup", None)
        if markup is not None:
            message["reply_markup"] = markup
        message["edit_date"] = int(time.time())
        return message

    async def answer_callback_query(self, params: dict) -> bool:
        query_id = str(params.get("callback_query_id"))
        if self.callback_queries.get(query_id, True):
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        if len(params.get("text") or "") > MAX_CALLBACK_ANSWER:
            raise bad_request("MESSAGE_TOO_LONG")
        self.callback_queries[query_id] = True
        return True

    async def answer_inline_query(self, params: dict) -> bool:
        query_id = str(params.get("inline_query_id"))
        if self.inline_queries.get(query_id, True):
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        results = params.get("results")
        if not isinstance(results, list) or len(results) > 50:
            raise bad_request("RESULTS_TOO_MUCH")
        ids = [r.get("id", "") for r in results]
        if len(set(ids)) != len(ids) or any(not 1 <= len(i.encode()) <= 64 for i in ids):
            raise bad_request("RESULT_ID_INVALID")
        for result in results:
            if result.get("type") != "article" or not result.get("title"):
                raise bad_request("RESULT_TITLE_EMPTY")
            content = result.get("input_message_content") or {}
            self._text(
                {"text": content.get("message_text"), "parse_mode": content.get("parse_mode")}
            )
            self._markup(result.get("reply_markup"))
        if len(str(params.get("next_offset") or "").encode()) > 64:
            raise bad_request("NEXT_OFFSET_INVALID")
        button = params.get("button")
        if button is not None:
            if not button.get("text"):
                raise bad_request("BUTTON_TEXT_INVALID")
            start = button.get("start_parameter")
            if start is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", start):
                raise bad_request("START_PARAM_INVALID")
        self.inline_queries[query_id] = True
        return True


def _entities_for(text: str) -> list[dict]:
    """The entities Telegram's clients attach: a leading /command and @mentions (UTF-16 offsets)."""
    entities = []
    command = re.match(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?", text)
    if command:
        entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(command.group(0))})
    for m in re.finditer(r"(?<![A-Za-z0-9_/])@[A-Za-z0-9_]{5,32}", text):
        entities.append(
            {
                "type": "mention",
                "offset": utf16_len(text[: m.start()]),
                "length": utf16_len(m.group(0)),
            }
        )
    return entities
