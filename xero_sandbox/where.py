"""Xero's ``where`` filter and ``order`` expressions: a tokenizer, a recursive-descent parser, no eval.

Grammar (a .NET dynamic-LINQ subset, as Xero documents it)::

    expr       := and_expr (("OR" | "||") and_expr)*
    and_expr   := not_expr (("AND" | "&&") not_expr)*
    not_expr   := ("NOT" | "!") not_expr | comparison
    comparison := operand (("==" | "=" | "!=" | "<>" | ">" | ">=" | "<" | "<=") operand)?
    operand    := primary ("." IDENT ("(" args ")")?)*
    primary    := STRING | NUMBER | true | false | null | Guid("...") | DateTime(y, m, d[, h, mi, s])
                | DateTime.Parse("...") | IDENT | "(" expr ")"

Field paths are dotted (``Contact.ContactID``); a missing field is ``null``. Methods: ``Contains``,
``StartsWith``, ``EndsWith`` (case-sensitive, as in .NET), ``ToLower()``, ``ToUpper()``, ``HasValue``,
``Length``. ``/Date()/`` fields compare as datetimes against ``DateTime(...)``; GUIDs compare in any of .NET's
formats and letter cases (``xero_sandbox.guid``).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from xero_sandbox import guid, msdate

Record = dict[str, Any]
Getter = Callable[[Record], Any]


class QueryParseError(ValueError):
    """The expression is not valid; the message says where."""


@dataclass(frozen=True)
class _Token:
    kind: str  # "str" | "num" | "ident" | "op" | "end"
    text: str
    pos: int


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<num>-?\d+(?:\.\d+)?)
      | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<op>==|!=|<>|>=|<=|&&|\|\||[=<>!().,])
    )""",
    re.VERBOSE,
)


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None:
            raise QueryParseError(f"Syntax error at position {pos}: unexpected {text[pos:].strip()[:1]!r}")
        kind = match.lastgroup or ""
        value = match.group(kind)
        tokens.append(_Token(kind, value, match.start(kind)))
        pos = match.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


class _Guid(str):
    """A GUID literal: compares in any of .NET's formats (32 digits, dashed, braced) and any case."""


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text[1:-1])


def _coerce(left: Any, right: Any) -> tuple[Any, Any]:
    """Bring two values to comparable types (dates, numbers, GUIDs, booleans)."""
    if isinstance(right, datetime) and isinstance(left, str):
        left = _as_datetime(left)
    elif isinstance(left, datetime) and isinstance(right, str):
        right = _as_datetime(right)
    if isinstance(left, _Guid) or isinstance(right, _Guid):
        return (
            guid.same_or_lower(left) if isinstance(left, str) else left,
            guid.same_or_lower(right) if isinstance(right, str) else right,
        )
    if isinstance(left, bool) or isinstance(right, bool):
        return left, right
    if isinstance(left, int | Decimal | float) and isinstance(right, int | Decimal | float):
        return Decimal(str(left)), Decimal(str(right))
    if isinstance(left, str) and isinstance(right, Decimal | int):
        try:
            return Decimal(left), Decimal(right)
        except InvalidOperation:
            return left, right
    return left, right


def _as_datetime(value: str) -> Any:
    if value.startswith("/Date("):
        return msdate.parse_msdate(value)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _compare(op: str, left: Any, right: Any) -> bool:
    left, right = _coerce(left, right)
    if op in ("==", "="):
        return left == right
    if op in ("!=", "<>"):
        return left != right
    if left is None or right is None:
        return False
    try:
        if op == ">":
            return left > right
        if op == ">=":
            return left >= right
        if op == "<":
            return left < right
        return left <= right
    except TypeError:
        return False


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.index = 0

    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def _advance(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def _is_word(self, *words: str) -> bool:
        return self.current.kind == "ident" and self.current.text.upper() in words

    def _expect(self, text: str) -> None:
        if self.current.text != text:
            raise QueryParseError(f"Syntax error at position {self.current.pos}: expected {text!r}")
        self._advance()

    def parse(self) -> Getter:
        if self.current.kind == "end":
            raise QueryParseError("Expression expected")
        node = self._or()
        if self.current.kind != "end":
            raise QueryParseError(f"Syntax error at position {self.current.pos}: unexpected {self.current.text!r}")
        return node

    def _or(self) -> Getter:
        parts = [self._and()]
        while self._is_word("OR") or self.current.text == "||":
            self._advance()
            parts.append(self._and())
        if len(parts) == 1:
            return parts[0]
        return lambda record: any(bool(part(record)) for part in parts)

    def _and(self) -> Getter:
        parts = [self._not()]
        while self._is_word("AND") or self.current.text == "&&":
            self._advance()
            parts.append(self._not())
        if len(parts) == 1:
            return parts[0]
        return lambda record: all(bool(part(record)) for part in parts)

    def _not(self) -> Getter:
        if self._is_word("NOT") or self.current.text == "!":
            self._advance()
            inner = self._not()
            return lambda record: not inner(record)
        return self._comparison()

    def _comparison(self) -> Getter:
        left = self._operand()
        if self.current.kind == "op" and self.current.text in ("==", "=", "!=", "<>", ">", ">=", "<", "<="):
            op = self._advance().text
            right = self._operand()
            return lambda record: _compare(op, left(record), right(record))
        return left

    def _operand(self) -> Getter:
        getter, path = self._primary()
        while self.current.text == ".":
            self._advance()
            if self.current.kind != "ident":
                raise QueryParseError(f"Syntax error at position {self.current.pos}: identifier expected")
            name = self._advance().text
            if self.current.text == "(":
                args = self._args()
                getter = self._method(getter, name, args)
                path = None
            elif name == "HasValue":
                getter = (lambda inner: lambda record: inner(record) is not None)(getter)
                path = None
            elif name == "Length":
                getter = (lambda inner: lambda record: len(v) if isinstance(v := inner(record), str | list) else None)(
                    getter
                )
                path = None
            elif path is not None:
                path = [*path, name]
                getter = _path_getter(path)
            else:
                raise QueryParseError(f"No property or field '{name}' exists")
        return getter

    def _args(self) -> list[Getter]:
        self._expect("(")
        args: list[Getter] = []
        if self.current.text != ")":
            args.append(self._or())
            while self.current.text == ",":
                self._advance()
                args.append(self._or())
        self._expect(")")
        return args

    def _method(self, target: Getter, name: str, args: list[Getter]) -> Getter:
        lowered = name.lower()
        if lowered in ("contains", "startswith", "endswith"):
            if len(args) != 1:
                raise QueryParseError(f"Method '{name}' takes one argument")
            (arg,) = args
            test = {"contains": str.__contains__, "startswith": str.startswith, "endswith": str.endswith}[lowered]

            def string_test(record: Record) -> bool:
                value, needle = target(record), arg(record)
                return isinstance(value, str) and isinstance(needle, str) and test(value, needle)

            return string_test
        if lowered in ("tolower", "toupper") and not args:
            convert = str.lower if lowered == "tolower" else str.upper
            return lambda record: convert(v) if isinstance(v := target(record), str) else v
        raise QueryParseError(f"No applicable method '{name}' exists")

    def _primary(self) -> tuple[Getter, list[str] | None]:
        token = self.current
        if token.kind == "str":
            self._advance()
            value = _unquote(token.text)
            return (lambda record: value), None
        if token.kind == "num":
            self._advance()
            number = Decimal(token.text)
            return (lambda record: number), None
        if token.text == "(":
            self._advance()
            inner = self._or()
            self._expect(")")
            return inner, None
        if token.kind != "ident":
            raise QueryParseError(f"Syntax error at position {token.pos}: unexpected {token.text or 'end'!r}")
        self._advance()
        word = token.text
        if word.lower() in ("true", "false"):
            flag = word.lower() == "true"
            return (lambda record: flag), None
        if word.lower() == "null":
            return (lambda record: None), None
        if word.lower() == "guid" and self.current.text == "(":
            args = self._constant_args()
            if len(args) != 1 or not isinstance(args[0], str):
                raise QueryParseError("Guid() takes one string")
            guid = _Guid(args[0])
            return (lambda record: guid), None
        if word == "DateTime" and self.current.text == "(":
            moment = self._datetime(self._constant_args())
            return (lambda record: moment), None
        if word == "DateTime" and self.current.text == ".":
            self._advance()
            if not (self.current.kind == "ident" and self.current.text == "Parse"):
                raise QueryParseError("DateTime.Parse expected")
            self._advance()
            args = self._constant_args()
            if len(args) != 1 or not isinstance(args[0], str):
                raise QueryParseError("DateTime.Parse() takes one string")
            parsed = _as_datetime(args[0])
            if not isinstance(parsed, datetime):
                raise QueryParseError(f"String was not recognized as a valid DateTime: {args[0]!r}")
            return (lambda record: parsed), None
        return _path_getter([word]), [word]

    def _constant_args(self) -> list[Any]:
        getters = self._args()
        return [getter({}) for getter in getters]

    @staticmethod
    def _datetime(args: list[Any]) -> datetime:
        if len(args) not in (3, 6) or not all(isinstance(arg, Decimal) for arg in args):
            raise QueryParseError("DateTime() takes (year, month, day) or (year, month, day, hour, minute, second)")
        try:
            return datetime(*(int(arg) for arg in args), tzinfo=UTC)
        except (ValueError, OverflowError) as exc:
            raise QueryParseError(f"Invalid DateTime: {exc}") from exc


def _path_getter(path: list[str]) -> Getter:
    if len(path) == 1:
        (key,) = path
        return lambda record: record.get(key)

    def getter(record: Record) -> Any:
        value: Any = record
        for key in path:
            if not isinstance(value, dict):
                return None
            value = value.get(key)
        return value

    return getter


def compile_where(text: str) -> Callable[[Record], bool]:
    """A predicate for a ``where`` expression. Raises QueryParseError on a malformed expression."""
    getter = _Parser(text).parse()
    return lambda record: bool(getter(record))


_ORDER_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


@dataclass(frozen=True)
class OrderTerm:
    """One ``Field [ASC|DESC]`` term of an ``order`` parameter."""

    path: tuple[str, ...]
    descending: bool


def parse_order(text: str) -> list[OrderTerm]:
    """Parse ``"UpdatedDateUTC DESC, Name"``. Raises QueryParseError on a malformed term."""
    terms: list[OrderTerm] = []
    for raw in text.split(","):
        words = raw.split()
        if not words or len(words) > 2 or not _ORDER_FIELD.fullmatch(words[0]):
            raise QueryParseError(f"Invalid order term: {raw.strip()!r}")
        direction = words[1].upper() if len(words) == 2 else "ASC"
        if direction not in ("ASC", "DESC"):
            raise QueryParseError(f"Invalid order direction: {words[1]!r}")
        terms.append(OrderTerm(tuple(words[0].split(".")), direction == "DESC"))
    return terms


def sort_key(value: Any) -> tuple[int, Any]:
    """Nulls first; dates by instant; numbers numerically; strings case-insensitively."""
    if value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, int | Decimal | float):
        return (2, Decimal(str(value)))
    if isinstance(value, str) and value.startswith("/Date("):
        try:
            return (3, msdate.ms_of(value))
        except ValueError:
            return (4, value.casefold())
    return (4, str(value).casefold())


def sort_records(records: list[Record], terms: list[OrderTerm]) -> list[Record]:
    """Records sorted by the terms (stable: ties keep the incoming order)."""
    result = list(records)
    for term in reversed(terms):
        getter = _path_getter(list(term.path))
        result.sort(key=lambda record, get=getter: sort_key(get(record)), reverse=term.descending)
    return result
