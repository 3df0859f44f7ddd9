"""Bundle a multi-file spec into one document whose `$ref`s name components.

A fully resolved document is what validators need, but a frontend team's type generator needs
named types: `#/components/schemas/CustomerProfile`, not forty anonymous copies. The bundle keeps
every entry of a component file (`components/schemas.yaml`, `components/responses.yaml`, ...) as
a named component of the section its file is named after, and inlines everything else (path
files). It also records where each part came from, so a finding can name the file to change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """`yaml.safe_load` through libyaml when PyYAML has it: far faster on spec/,
    which every start of the mock, the suite and the CLI reads."""
    return yaml.load(text, Loader=_SAFE_LOADER)  # a safe loader, C or Python


# Sections of `components` (OpenAPI 3.0): a file named after one holds components of it.
SECTIONS = (
    "schemas",
    "responses",
    "parameters",
    "examples",
    "requestBodies",
    "headers",
    "securitySchemes",
    "links",
    "callbacks",
)


class BundleError(Exception):
    """A `$ref` that cannot be followed; the message names the file and the reference."""


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def escape(token: object) -> str:
    """A JSON pointer token; YAML keys may be numbers (an unquoted status code), hence str()."""
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer_parts(pointer: str) -> list[str]:
    return [unescape(part) for part in pointer.split("/") if part != ""]


def pointer_get(document: Any, pointer: str) -> Any:
    """The node at a JSON pointer; KeyError when there is none."""
    node = document
    for token in pointer_parts(pointer):
        if isinstance(node, list):
            if not token.isdigit() or int(token) >= len(node):
                raise KeyError(pointer)
            node = node[int(token)]
        elif isinstance(node, Mapping) and token in node:
            node = node[token]
        else:
            raise KeyError(pointer)
    return node


@dataclass
class Bundle:
    """The bundled document and, for each named component, the file it came from."""

    document: dict[str, Any]
    # Bundle pointer -> "file#pointer" where it came from: each named component, and each part
    # inlined from another file (a path item). Anything else came from the root file.
    origins: dict[str, str] = field(default_factory=dict)
    root: str = "openapi.yaml"

    def locate(self, pointer: str) -> tuple[str, str]:
        """(file, pointer in that file) of the node at a pointer of the *resolved* document.

        Walks the bundle, following `$ref`s as the resolver did, so a rule found in a resolved
        response schema is traced to the component file that states it.
        """
        return locate(self.document, self.origins, self.root, pointer)


class _Bundler:
    def __init__(self, root_file: Path) -> None:
        self.root_file = root_file.resolve()
        self.base = self.root_file.parent
        self.files: dict[Path, Any] = {}
        self.components: dict[str, dict[str, Any]] = {}
        self.origins: dict[str, str] = {}
        self.inlining: list[tuple[Path, str]] = []

    def load(self, path: Path) -> Any:
        if path not in self.files:
            try:
                self.files[path] = load_yaml(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
                raise BundleError(f"{self.rel(path)}: cannot read: {exc}") from None
        return self.files[path]

    def rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.base))
        except ValueError:
            return str(path)

    def section_of(self, path: Path) -> str | None:
        return path.stem if path != self.root_file and path.stem in SECTIONS else None

    def rewrite(self, node: Any, current: Path, at: str) -> Any:
        """`node` of file `current`, bundled; `at` is where it lands in the bundle."""
        if isinstance(node, list):
            return [self.rewrite(item, current, f"{at}/{i}") for i, item in enumerate(node)]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str):
            return self.follow(ref, current, at)
        return {
            key: self.rewrite(value, current, f"{at}/{escape(str(key))}")
            for key, value in node.items()
        }

    def follow(self, ref: str, current: Path, at: str) -> Any:
        file_part, _, pointer = ref.partition("#")
        target = (current.parent / file_part).resolve() if file_part else current
        if target == self.root_file:
            return {"$ref": f"#{pointer}"}
        data = self.load(target)
        section = self.section_of(target)
        parts = pointer_parts(pointer)
        if section and parts and isinstance(data, dict) and parts[0] in data:
            self.register(section, parts[0], target, data)
            rest = "".join(f"/{escape(p)}" for p in parts[1:])
            return {"$ref": f"#/components/{section}/{escape(parts[0])}{rest}"}
        key = (target, pointer)
        if key in self.inlining:
            raise BundleError(f"{self.rel(current)}: $ref {ref!r} is circular")
        try:
            value = pointer_get(data, pointer)
        except KeyError:
            raise BundleError(f"{self.rel(current)}: $ref {ref!r}: nothing there") from None
        self.inlining.append(key)
        self.origins[f"#{at}"] = f"{self.rel(target)}#{pointer}"
        try:
            return self.rewrite(value, target, at)
        finally:
            self.inlining.pop()

    def register(self, section: str, name: str, source: Path, data: Mapping[str, Any]) -> None:
        entries = self.components.setdefault(section, {})
        if name in entries:
            return
        entries[name] = {}  # placeholder first: recursive schemas refer back to themselves
        self.origins[f"#/components/{section}/{escape(name)}"] = (
            f"{self.rel(source)}#/{escape(name)}"
        )
        entries[name] = self.rewrite(data[name], source, f"/components/{section}/{escape(name)}")

    def run(self) -> Bundle:
        root = self.load(self.root_file)
        if not isinstance(root, dict):
            raise BundleError(f"{self.rel(self.root_file)}: not an OpenAPI document")
        document = {key: value for key, value in root.items() if key != "components"}
        document = self.rewrite(document, self.root_file, "")
        own: dict[str, dict[str, Any]] = {}
        for section, entries in (root.get("components") or {}).items():
            for name, value in (entries or {}).items():
                own.setdefault(section, {})[name] = self.alias_or_value(section, name, value)
        document["components"] = self.merge(own)
        return Bundle(document, self.origins, self.root_file.name)

    def alias_or_value(self, section: str, name: str, value: Any) -> Any:
        """A root component that only points at the same-named entry of its section's file
        is that entry; anything else is bundled as it stands."""
        if isinstance(value, dict) and set(value) == {"$ref"}:
            file_part, _, pointer = str(value["$ref"]).partition("#")
            target = (self.root_file.parent / file_part).resolve() if file_part else None
            if target and self.section_of(target) == section and pointer_parts(pointer) == [name]:
                self.register(section, name, target, self.load(target))
                return None  # filled from the registered entry in merge()
        self.origins.setdefault(
            f"#/components/{section}/{escape(name)}",
            f"{self.rel(self.root_file)}#/components/{section}/{escape(name)}",
        )
        return self.rewrite(value, self.root_file, f"/components/{section}/{escape(name)}")

    def merge(self, own: dict[str, dict[str, Any]]) -> dict[str, Any]:
        """Root-declared components first, in the root's order, then the others in file order."""
        merged: dict[str, dict[str, Any]] = {}
        for section in list(own) + [s for s in self.components if s not in own]:
            entries: dict[str, Any] = {}
            for name, value in own.get(section, {}).items():
                entries[name] = self.components[section][name] if value is None else value
            for name, value in self.components.get(section, {}).items():
                entries.setdefault(name, value)
            merged[section] = entries
        return merged


def bundle(root_file: Path) -> Bundle:
    """The document at `root_file` as one document; raises BundleError on a broken `$ref`."""
    return _Bundler(root_file).run()


def resolve_internal(document: Mapping[str, Any]) -> dict[str, Any]:
    """Every internal `$ref` of a bundled document replaced by a copy of its target."""

    def walk(node: Any, stack: tuple[str, ...]) -> Any:
        if isinstance(node, list):
            return [walk(item, stack) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#"):
            if ref in stack:
                raise BundleError(f"$ref {ref!r} is circular")
            return walk(pointer_get(document, ref[1:]), (*stack, ref))
        return {key: walk(value, stack) for key, value in node.items()}

    resolved: dict[str, Any] = walk(dict(document), ())  # a dict comes back as a dict
    return resolved


def locate(
    document: Mapping[str, Any], origins: Mapping[str, str], root: str, pointer: str
) -> tuple[str, str]:
    """See `Bundle.locate`."""
    node: Any = document
    here = ""
    for token in pointer_parts(pointer):
        node = node[int(token)] if isinstance(node, list) else node[token]
        here = f"{here}/{escape(token)}"
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            here = node["$ref"].removeprefix("#")
            node = pointer_get(document, here)
    prefix = here
    while True:
        origin = origins.get(f"#{prefix}")
        if origin is not None:
            file, _, inner = origin.partition("#")
            return file, inner + here[len(prefix) :]
        if not prefix:
            return root, here
        prefix = prefix.rsplit("/", 1)[0]
