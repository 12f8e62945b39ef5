"""Reading a ``*.sio.yaml`` file: YAML, then the shipped JSON Schema, then the cross-checks.

Every refusal is a ``ScenarioError`` naming the file, the line and column of
the offending value and what was expected there, because a scenario is
written by hand in an editor and run in CI, far from whoever could explain
a stack trace. YAML is read with PyYAML twice over the same text: once as
plain data (validated by jsonschema) and once as a node tree, which is
where the positions come from.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from sio_monitor.domain.scenario.matching import OPERATORS, TYPE_NAMES, is_operator, pattern_error
from sio_monitor.domain.scenario.model import (
    DEFAULT_ACK_WITHIN,
    DEFAULT_WITHIN,
    AckSpec,
    AdminExpect,
    AdminSpec,
    ClientSpec,
    Connect,
    Count,
    Disconnect,
    Emit,
    Expect,
    ExpectDisconnect,
    Repeat,
    Scenario,
    Step,
    Wait,
)
from sio_monitor.domain.scenario.variables import references
from sio_monitor.domain.settings import DEFAULT_ADMIN_NAMESPACE

STEP_KINDS = (
    "connect",
    "emit",
    "expect",
    "expect_disconnect",
    "admin_expect",
    "wait",
    "repeat",
    "disconnect",
)

Path_ = tuple[str | int, ...]


class ScenarioError(ValueError):
    """A file that cannot be run; ``str()`` is ``source:line:column: what was expected``."""

    def __init__(self, source: str, line: int, column: int, message: str) -> None:
        self.source, self.line, self.column, self.message = source, line, column, message
        super().__init__(f"{source}:{line}:{column}: {message}")


@functools.cache
def schema() -> dict[str, Any]:
    """The JSON Schema of the format, as shipped in the package."""
    text = resources.files(__package__).joinpath("scenario.schema.json").read_text("utf-8")
    return dict(json.loads(text))


def load_scenario(path_or_text: str | Path, variables: Mapping[str, Any] | None = None) -> Scenario:
    """Load a scenario from a file (a ``Path``, or a ``str`` without a newline) or from YAML text.

    ``variables`` override the file's own, as ``--var`` does. Raises
    ``ScenarioError`` for a file that cannot be read or run.
    """
    if isinstance(path_or_text, Path) or "\n" not in path_or_text:
        path = Path(path_or_text)
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ScenarioError(str(path), 1, 1, f"the file cannot be read ({exc}).") from None
        return parse_scenario(text, variables, source=str(path))
    return parse_scenario(path_or_text, variables)


def parse_scenario(
    text: str, variables: Mapping[str, Any] | None = None, *, source: str = "<text>"
) -> Scenario:
    """Parse YAML text into a Scenario; ScenarioError with a position when it is not one."""
    try:
        data = yaml.safe_load(text)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        problem = exc.problem or "it is not valid YAML"
        raise ScenarioError(source, line, column, f"not valid YAML: {problem}.") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(source, 1, 1, f"not valid YAML: {exc}.") from None
    locate = functools.partial(_locate, root, source)
    if not isinstance(data, dict):
        raise locate((), "expected a mapping with name, clients and steps at the top.")
    import jsonschema  # here, not at import: the window builds this view before it needs it

    validator = jsonschema.Draft202012Validator(schema())
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is not None:
        where, message = _explain(error)
        raise locate(where, message, key=error.validator == "additionalProperties")
    return _Builder(data, dict(variables or {}), source, locate).build()


# --- positions ---------------------------------------------------------------------


def _node_at(root: yaml.Node | None, where: Path_, key: bool = False) -> yaml.Node | None:
    node = root
    for part in where:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.value == str(part):
                    node = k if key and part == where[-1] else v
                    break
            else:
                return node
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return node
            node = node.value[part]
        else:
            return node
    return node


def _locate(
    root: yaml.Node | None, source: str, where: Path_, message: str, *, key: bool = False
) -> ScenarioError:
    node = _node_at(root, where, key)
    if node is None:
        return ScenarioError(source, 1, 1, message)
    mark = node.start_mark
    label = ".".join(str(p) for p in where)
    return ScenarioError(
        source, mark.line + 1, mark.column + 1, f"{label}: {message}" if label else message
    )


_JSON_TYPES = {
    "object": "a mapping",
    "array": "a list",
    "string": "text",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "null": "nothing",
}


def _explain(error: Any) -> tuple[Path_, str]:
    """Where the schema refused the file, and what it expected there, in a sentence."""
    where: Path_ = tuple(error.absolute_path)
    instance, kind = error.instance, error.validator
    if kind == "additionalProperties" and isinstance(instance, dict):
        allowed = list(error.schema.get("properties", {}))
        extra = [k for k in instance if k not in allowed]
        if extra:
            if set(allowed) == set(STEP_KINDS):
                return (*where, extra[0]), (
                    f"unknown step {extra[0]!r}: expected one of {', '.join(STEP_KINDS)}."
                )
            return (*where, extra[0]), (
                f"unknown key {extra[0]!r}: expected one of {', '.join(allowed)}."
            )
    if kind in ("minProperties", "maxProperties") and "connect" in error.schema.get(
        "properties", {}
    ):
        return where, (
            f"a step is exactly one of {', '.join(STEP_KINDS)}, with its options under it."
        )
    if kind == "required":
        return where, f"{error.message.split(' is a')[0]} is required here."
    if kind == "type":
        wanted = error.validator_value
        names = [wanted] if isinstance(wanted, str) else list(wanted)
        return where, (
            f"expected {' or '.join(_JSON_TYPES.get(n, n) for n in names)}, "
            f"got {json.dumps(instance, default=str)[:60]}."
        )
    if kind == "oneOf":
        return where, f"expected a client name or a list of names, or a count: got {instance!r}."
    if kind == "enum":
        return where, f"expected one of {', '.join(map(str, error.validator_value))}."
    if kind == "pattern":
        if error.validator_value == "^/":
            return where, f"a namespace starts with '/', as in /chat: got {instance!r}."
        if error.validator_value.startswith("^(https?"):
            return where, f"expected a URL such as http://127.0.0.1:3000, got {instance!r}."
        return where, f"{instance!r} is not a valid name (letters, digits, _ and -)."
    if kind in ("exclusiveMinimum", "minimum"):
        return where, f"expected a number above {error.validator_value}, got {instance!r}."
    return where, f"{error.message}."


# --- building ----------------------------------------------------------------------


class _Builder:
    """From validated data to the model, with the checks a schema cannot make."""

    def __init__(self, data: dict[str, Any], overrides: dict[str, Any], source: str, locate: Any):
        self.data = data
        self.source = source
        self.locate = locate
        self.variables = {**data.get("variables", {}), **overrides}
        self.clients = {
            name: self._client(name, spec or {})
            for name, spec in (data.get("clients") or {}).items()
        }
        self.captured: set[str] = set()

    def build(self) -> Scenario:
        admin_data = self.data.get("admin")
        admin = None
        if admin_data is not None:
            admin = AdminSpec(
                user=admin_data.get("user", ""),
                namespace=admin_data.get("namespace", DEFAULT_ADMIN_NAMESPACE),
                path=admin_data.get("path"),
            )
        for name in references(self.data.get("target", "")):
            self._known(name, ("target",))
        for name, client in (self.data.get("clients") or {}).items():
            for ref in references(client):
                self._known(ref, ("clients", name))
        steps = self._steps(self.data["steps"], ("steps",))
        return Scenario(
            name=self.data["name"],
            steps=steps,
            clients=self.clients,
            target=self.data.get("target"),
            variables=self.variables,
            admin=admin,
            continue_on_failure=bool(self.data.get("continue_on_failure", False)),
            description=self.data.get("description", ""),
            source=self.source,
        )

    def _client(self, name: str, spec: dict[str, Any]) -> ClientSpec:
        namespaces = tuple(spec.get("namespaces") or [spec.get("namespace", "/")])
        if "namespace" in spec and "namespaces" in spec and spec["namespace"] not in namespaces:
            namespaces = (spec["namespace"], *namespaces)
        return ClientSpec(
            name=name,
            namespaces=namespaces,
            path=spec.get("path", "/socket.io"),
            auth=spec.get("auth"),
            headers=dict(spec.get("headers", {})),
            query=dict(spec.get("query", {})),
            transports=tuple(spec.get("transports", ["websocket"])),
            timeout=float(spec.get("timeout", 10.0)),
            reconnection=bool(spec.get("reconnection", False)),
            verify_tls=not spec.get("insecure", False),
            ca_file=spec.get("ca_file"),
            ack_replies={k: list(v) for k, v in spec.get("ack_replies", {}).items()},
        )

    def _steps(self, items: list[dict[str, Any]], where: Path_) -> tuple[Step, ...]:
        return tuple(self._step(item, (*where, i)) for i, item in enumerate(items))

    def _line(self, where: Path_) -> int:
        return self.locate(where, "").line

    def _step(self, item: dict[str, Any], where: Path_) -> Step:
        kind, body = next(iter(item.items()))
        at = (*where, kind)
        line = self._line(where)
        self._check_values(body, at)
        if kind in ("connect", "disconnect"):
            names = (body,) if isinstance(body, str) else tuple(body)
            for i, name in enumerate(names):
                self._client_named(name, at if isinstance(body, str) else (*at, i))
            return (Connect if kind == "connect" else Disconnect)(names, line)
        if kind == "wait":
            return Wait(float(body), line)
        if kind == "repeat":
            return Repeat(body["times"], self._steps(body["steps"], (*at, "steps")), line)
        if kind == "emit":
            client = self._client_named(body["client"], (*at, "client"))
            self._namespace_of(client, body, at)
            ack = None
            if "ack" in body:
                spec = body["ack"]
                ack = AckSpec(
                    float(spec.get("within", DEFAULT_ACK_WITHIN)),
                    spec.get("expect"),
                    dict(spec.get("capture", {})),
                )
                self.captured.update(ack.capture)
            return Emit(
                client.name,
                body["event"],
                list(body.get("args", [])),
                body.get("namespace"),
                ack,
                line,
            )
        if kind == "expect":
            client = self._client_named(body["client"], (*at, "client"))
            self._namespace_of(client, body, at)
            if body.get("negate") and body.get("capture"):
                raise self.locate((*at, "capture"), "a negated expect has nothing to capture.")
            step = Expect(
                client.name,
                body["event"],
                body.get("args"),
                body.get("namespace"),
                float(body.get("within", DEFAULT_WITHIN)),
                dict(body.get("capture", {})),
                bool(body.get("negate", False)),
                line,
            )
            self.captured.update(step.capture)
            return step
        if kind == "expect_disconnect":
            client = self._client_named(body["client"], (*at, "client"))
            return ExpectDisconnect(
                client.name,
                float(body.get("within", DEFAULT_WITHIN)),
                bool(body.get("negate", False)),
                line,
            )
        return self._admin_expect(body, at, line)

    def _admin_expect(self, body: dict[str, Any], at: Path_, line: int) -> AdminExpect:
        if "socket_of" in body:
            client = self._client_named(body["socket_of"], (*at, "socket_of"))
            self._namespace_of(client, body, at)
        for needs_socket in ("in_room", "not_in_room", "connected"):
            if needs_socket in body and "socket_of" not in body:
                raise self.locate((*at, needs_socket), f"{needs_socket} needs socket_of: CLIENT.")
        if "members" in body and "room" not in body:
            raise self.locate((*at, "members"), "members needs room: NAME.")
        checks = set(body) - {"within", "namespace"}
        if not checks:
            raise self.locate(at, "say what the admin view must show (socket_of, sockets, ...).")
        for counted in ("sockets", "rooms", "room"):
            if counted in body and "namespace" not in body and "socket_of" not in body:
                raise self.locate((*at, counted), f"{counted} needs namespace: /NAME.")
        return AdminExpect(
            socket_of=body.get("socket_of"),
            namespace=body.get("namespace"),
            in_room=body.get("in_room"),
            not_in_room=body.get("not_in_room"),
            connected=body.get("connected"),
            room=body.get("room"),
            members=Count.of(body.get("members")),
            sockets=Count.of(body.get("sockets")),
            rooms=Count.of(body.get("rooms")),
            servers=Count.of(body.get("servers")),
            healthy=body.get("healthy"),
            within=float(body.get("within", DEFAULT_WITHIN)),
            line=line,
        )

    def _client_named(self, name: str, where: Path_) -> ClientSpec:
        if name not in self.clients:
            known = ", ".join(self.clients) or "none"
            raise self.locate(where, f"no client named {name!r} under clients (known: {known}).")
        return self.clients[name]

    def _namespace_of(self, client: ClientSpec, body: dict[str, Any], at: Path_) -> None:
        namespace = body.get("namespace")
        if namespace is not None and namespace not in client.namespaces:
            raise self.locate(
                (*at, "namespace"),
                f"{client.name} connects to {', '.join(client.namespaces)}, not {namespace}: "
                "add it to the client's namespaces.",
            )

    def _known(self, name: str, where: Path_) -> None:
        if name not in self.variables and name not in self.captured:
            raise self.locate(
                where,
                f"the variable {name!r} is not defined: set it under variables, with --var "
                f"{name}=VALUE, or capture it in an earlier step.",
            )

    def _check_values(self, value: Any, where: Path_) -> None:
        """Operators well formed, patterns compiling, variables known: before anything runs."""
        if isinstance(value, str):
            for name in references(value):
                self._known(name, where)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                self._check_values(item, (*where, i))
        elif isinstance(value, dict):
            if is_operator(value) or any(k in OPERATORS for k in value):
                self._check_operator(value, where)
            for key, item in value.items():
                if key != "steps":  # repeat's steps are checked as steps
                    self._check_values(item, (*where, key))

    def _check_operator(self, value: dict[str, Any], where: Path_) -> None:
        unknown = [
            k for k in value if isinstance(k, str) and k.startswith("$") and k not in OPERATORS
        ]
        others = [k for k in value if k not in OPERATORS]
        if unknown or others:
            bad = (unknown or others)[0]
            raise self.locate(
                (*where, bad),
                f"{bad!r} cannot stand beside an operator: an operator object holds only "
                "$regex, $type, $any or $absent.",
                key=True,
            )
        if "$type" in value and value["$type"] not in TYPE_NAMES:
            raise self.locate(
                (*where, "$type"), f"expected one of {', '.join(TYPE_NAMES)} for $type."
            )
        if "$regex" in value:
            pattern = value["$regex"]
            problem = "it is not text" if not isinstance(pattern, str) else pattern_error(pattern)
            if problem is not None:
                raise self.locate((*where, "$regex"), f"not a valid regular expression: {problem}.")
