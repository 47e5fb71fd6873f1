"""Turn API JSON into models and models back into JSON.

One `cattrs.Converter` does both directions. Its hooks are generated once
per class, the first time the class is seen, and then reused, because
structuring sits on the path of every response.

The converter is stricter than cattrs' defaults, since the API's JSON is
typed: a string is never coerced into a number or a boolean, and a number
is never read as a string. Models say how their fields map to JSON through
field metadata, with the keys defined here:

- `JSON_KEY`: the JSON key, when it is not the attribute name.
- `ALIASES`: other spellings accepted when the main key is absent.
- `KEEP_NULL`: write ``null`` for `None`; other fields that default to
  `None` are left out when they are `None`.

A model with an `extra` field, made with `extra_field`, keeps every JSON key
it does not know there, and writes those keys back on unstructuring.
"""

import enum
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from types import MappingProxyType, NoneType, UnionType
from typing import Any, Final, TypeVar, Union, get_args, get_origin

import attrs
import cattrs
from attrs import AttrsInstance
from cattrs.cols import list_structure_factory
from cattrs.errors import AttributeValidationNote, ClassValidationError
from cattrs.gen import (
    make_dict_structure_fn,
    make_dict_unstructure_fn,
    override,
)
from cattrs.v import format_exception

__all__ = [
    "ALIASES",
    "EXTRA",
    "JSON_KEY",
    "KEEP_NULL",
    "ShapeError",
    "converter",
    "extra_field",
    "structure",
    "unstructure",
]

T = TypeVar("T")
E = TypeVar("E", bound=enum.StrEnum)

JSON_KEY: Final = "flexvm_async.json_key"
"""Field metadata key: the JSON key, where it is not the attribute name."""

ALIASES: Final = "flexvm_async.aliases"
"""Field metadata key: other JSON keys read when the main one is absent."""

KEEP_NULL: Final = "flexvm_async.keep_null"
"""Field metadata key: unstructure `None` as ``null`` instead of leaving
the key out."""

EXTRA: Final = "extra"
"""The name of the field that keeps JSON keys a model does not know."""

_NO_EXTRA: Mapping[str, Any] = MappingProxyType({})

converter = cattrs.Converter(detailed_validation=True)
"""The converter behind `structure` and `unstructure`."""

# Attribute name to JSON key, for classes where they differ; error paths
# are rewritten with it so that they name the keys a reader sees.
_JSON_NAMES: dict[type, dict[str, str]] = {}


class ShapeError(ValueError):
    """JSON does not have the shape of the class it was structured into.

    The message has one line per problem, each starting with a JSON path:
    ``$.status: expected str, got int``.

    Attributes:
        target: The name of the class the JSON was structured into.
        problems: One description per problem, path first.
    """

    def __init__(self, target: str, problems: Sequence[str]) -> None:
        """Record what was wrong and where.

        Args:
            target: The name of the class the JSON was structured into.
            problems: One description per problem, path first.
        """
        self.target = target
        self.problems = tuple(problems)
        super().__init__(target, self.problems)

    def __str__(self) -> str:
        """Return the problems, one a line."""
        return "\n".join(self.problems)


def extra_field() -> Any:
    """Return the attrs field that keeps a model's unknown JSON keys.

    Returns:
        An empty, read-only mapping by default, left out of the repr and
        the hash; structuring fills it with every key the model does not
        know.
    """
    return attrs.field(default=_NO_EXTRA, repr=False, hash=False)


def structure(data: object, cls: type[T]) -> T:
    """Structure JSON data into an instance of `cls`.

    Args:
        data: Decoded JSON: dicts, lists, strings, numbers, booleans and
            `None`.
        cls: The class to build.

    Returns:
        The instance built from `data`.

    Raises:
        ShapeError: `data` does not fit `cls`; the message names every
            offending path.
    """
    try:
        return converter.structure(data, cls)
    except (cattrs.BaseValidationError, TypeError, ValueError) as exc:
        _use_json_names(exc)
        lines = cattrs.transform_error(exc, "$", _describe)
        problems = [
            f"{path}: {message}"
            for message, _, path in (line.rpartition(" @ ") for line in lines)
        ]
        raise ShapeError(cls.__name__, problems) from exc


def unstructure(obj: object) -> Any:
    """Turn a model into plain JSON data.

    Args:
        obj: A model instance, or a list or tuple of them.

    Returns:
        Dicts, lists, strings, numbers, booleans and `None`, ready for
        `json.dumps`.

    Raises:
        ValueError: A datetime has no timezone, so the instant it names
            is unknown.
    """
    return converter.unstructure(obj)


def _describe(exc: BaseException, cls: type | None) -> str:
    if isinstance(exc, KeyError):
        return "required field missing"
    return str(exc) or format_exception(exc, cls)


def _use_json_names(exc: BaseException) -> None:
    # cattrs names attributes in its error notes; put the JSON key in
    # their place where the two differ, so the path matches the body.
    if not isinstance(exc, cattrs.BaseValidationError):
        return
    if isinstance(exc, ClassValidationError):
        names = _JSON_NAMES.get(exc.cl, {})
        for sub, note in exc.group_exceptions()[0]:
            if note.name in names:
                notes = sub.__notes__
                notes[notes.index(note)] = AttributeValidationNote(
                    note, names[note.name], note.type
                )
    for sub in exc.exceptions:
        _use_json_names(sub)


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__


def _structure_str(value: object, _: type) -> str:
    if isinstance(value, str):
        return value
    raise TypeError(f"expected str, got {_kind(value)}")


def _structure_int(value: object, _: type) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise TypeError(f"expected int, got {_kind(value)}")


def _structure_bool(value: object, _: type) -> bool:
    if isinstance(value, bool):
        return value
    raise TypeError(f"expected bool, got {_kind(value)}")


def _structure_str_enum(value: object, cls: type[E]) -> E:
    if not isinstance(value, str):
        raise TypeError(f"expected str, got {_kind(value)}")
    # The value map first: calling the class costs several times more.
    member = cls._value2member_map_.get(value)
    if isinstance(member, cls):
        return member
    return cls(value)


def _structure_datetime(value: object, _: type) -> datetime:
    if not isinstance(value, str):
        raise TypeError(f"expected an RFC 3339 timestamp, got {_kind(value)}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        # RFC 3339 allows a lower-case "t" and "z"; fromisoformat does not.
        try:
            parsed = datetime.fromisoformat(value.upper())
        except ValueError:
            raise ValueError(
                f"expected an RFC 3339 timestamp, got {value!r}"
            ) from None
    if parsed.tzinfo is None:
        raise ValueError(f"timestamp without a UTC offset: {value!r}")
    return parsed


def _unstructure_datetime(value: datetime) -> str:
    offset = value.utcoffset()
    if offset is None:
        raise ValueError(f"datetime without a timezone: {value!r}")
    if offset:
        return value.isoformat()
    return value.replace(tzinfo=None).isoformat() + "Z"


def _unstructure_str_enum(value: enum.StrEnum) -> str:
    # The value, not the member: the member is a str subclass.
    return value.value


def _is_tuple(cls: Any) -> bool:
    # Only the homogeneous form, tuple[X, ...], which models use.
    return get_origin(cls) is tuple and get_args(cls)[1:] == (...,)


def _structure_tuple(cls: Any) -> Callable[[object, Any], tuple[Any, ...]]:
    item_type = get_args(cls)[0]
    item = converter.get_structure_hook(item_type)
    itemised = list_structure_factory(cls, converter)

    def structure_tuple(value: object, _: Any) -> tuple[Any, ...]:
        # A string or an object is iterable too, but never a JSON array.
        if not isinstance(value, list | tuple):
            raise TypeError(f"expected a list, got {_kind(value)}")
        try:
            return tuple([item(v, item_type) for v in value])
        except (cattrs.BaseValidationError, TypeError, ValueError):
            # Again, item by item, for errors that name each bad index.
            return tuple(itemised(value, cls))

    return structure_tuple


def _is_optional(cls: Any) -> bool:
    args = get_args(cls)
    return (
        get_origin(cls) in {UnionType, Union}
        and len(args) == 2  # noqa: PLR2004 - one type and None
        and NoneType in args
    )


def _structure_optional(cls: Any) -> Callable[[object, Any], Any]:
    # Binds the inner hook now; cattrs' own looks it up on every call.
    first, second = get_args(cls)
    inner = second if first is NoneType else first
    hook = converter.get_structure_hook(inner)

    def structure_optional(value: object, _: Any) -> Any:
        return None if value is None else hook(value, inner)

    return structure_optional


def _json_keys(cls: type[AttrsInstance]) -> dict[str, str]:
    return {
        a.name: a.metadata.get(JSON_KEY, a.name)
        for a in attrs.fields(cls)
        if a.name != EXTRA
    }


def _overrides(
    cls: type[AttrsInstance], *, unstructuring: bool
) -> dict[str, Any]:
    settings: dict[str, dict[str, Any]] = {}
    for a in attrs.fields(cls):
        setting: dict[str, Any] = {}
        if a.name == EXTRA:
            setting["omit"] = True
        if JSON_KEY in a.metadata:
            setting["rename"] = a.metadata[JSON_KEY]
        if unstructuring and a.default is None:
            setting["omit_if_default"] = not a.metadata.get(KEEP_NULL, False)
        if setting:
            settings[a.name] = setting
    return {name: override(**setting) for name, setting in settings.items()}


def _structure_attrs(
    cls: type[AttrsInstance],
) -> Callable[[object, Any], AttrsInstance]:
    keys = _json_keys(cls)
    renamed = {name: key for name, key in keys.items() if key != name}
    if renamed:
        _JSON_NAMES[cls] = renamed
    aliases = tuple(
        (keys[a.name], alias)
        for a in attrs.fields(cls)
        for alias in a.metadata.get(ALIASES, ())
    )
    known = frozenset(keys.values())
    keeps_extra = EXTRA in attrs.fields_dict(cls)
    build = make_dict_structure_fn(
        cls, converter, **_overrides(cls, unstructuring=False)
    )

    def structure_attrs(data: Any, _: Any) -> AttrsInstance:
        if not isinstance(data, dict) and not isinstance(data, Mapping):
            raise TypeError(f"expected an object, got {_kind(data)}")
        for key, alias in aliases:
            if key not in data and alias in data:
                data = dict(data)
                data[key] = data.pop(alias)
        obj = build(data, cls)
        if keeps_extra and not known.issuperset(data):
            extra = {k: v for k, v in data.items() if k not in known}
            # The instance is new and unseen, so filling in the one field
            # the generated function leaves out is still safe.
            object.__setattr__(obj, EXTRA, MappingProxyType(extra))
        return obj

    return structure_attrs


def _unstructure_attrs(
    cls: type[AttrsInstance],
) -> Callable[[AttrsInstance], dict[str, Any]]:
    build = make_dict_unstructure_fn(
        cls, converter, **_overrides(cls, unstructuring=True)
    )
    if EXTRA not in attrs.fields_dict(cls):
        return build

    def unstructure_attrs(obj: AttrsInstance) -> dict[str, Any]:
        data = build(obj)
        for key, value in getattr(obj, EXTRA).items():
            data.setdefault(key, value)
        return data

    return unstructure_attrs


converter.register_structure_hook(str, _structure_str)
converter.register_structure_hook(int, _structure_int)
converter.register_structure_hook(bool, _structure_bool)
converter.register_structure_hook(enum.StrEnum, _structure_str_enum)
converter.register_structure_hook(datetime, _structure_datetime)
converter.register_structure_hook_factory(_is_tuple, _structure_tuple)
converter.register_structure_hook_factory(_is_optional, _structure_optional)
converter.register_structure_hook_factory(attrs.has, _structure_attrs)
converter.register_unstructure_hook(datetime, _unstructure_datetime)
converter.register_unstructure_hook(enum.StrEnum, _unstructure_str_enum)
converter.register_unstructure_hook_factory(attrs.has, _unstructure_attrs)
