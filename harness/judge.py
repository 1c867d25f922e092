"""The LLM judge: pointwise rubric scores and pairwise preferences, with probabilities.

* Rubrics are versioned TOML files in ``golden/rubrics/`` (``pointwise.toml`` with one
  table per criterion, ``pairwise.toml``); the versions and a hash of each rendered
  text are part of every cache key and every report.
* ``LocalJudge`` (``--judge smollm2-135m``, a model directory, a .gguf or a hub id)
  reads the next-token probabilities over the score tokens "1".."5" (and "A"/"B" for
  pairwise) and reports the expected score, as G-Eval does, instead of a sampled digit.
  The request and the answer are read once per answer (a cached prefix) and the
  criteria are asked against it in one batch; a short greedy rationale follows the
  most likely score.
* ``HTTPJudge`` (``--judge http://host:port/v1``) asks an OpenAI-compatible server for
  JSON with ``logprobs: true, top_logprobs: 20``; it uses the probabilities of the
  score token when the server returns them, else the JSON's score; a reply that does
  not parse gets one repair retry, a transport error (timeout, 5xx) one retry.
* An answer the judge could not score is ``unscored``: never a pass, a fail, the
  lowest or the highest score. Its raw text is kept in the run folder.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import math
import os
import re
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from checks.errors import InputError, MovieStyleError
from checks.spec import read_toml

from .cache import DiskCache, key_of
from .chat import render_prompt

ROOT = Path(__file__).resolve().parent.parent
RUBRIC_DIR = ROOT / "golden" / "rubrics"
CALIBRATION_DIR = ROOT / "golden" / "judge_calibration"
DEFAULT_JUDGE = "smollm2-135m"
SCORES = ("1", "2", "3", "4", "5")
CHOICES = ("A", "B")


class JudgeError(MovieStyleError):
    """The judge cannot start (bad rubric, unknown model, unreachable endpoint)."""


# -- rubrics ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rubric:
    """One pointwise criterion (or the pairwise rubric when ``criterion == "pairwise"``)."""

    criterion: str
    version: str  # "<framing version>.<criterion version>"
    system: str
    layout: str
    question: str  # the criterion block (pointwise) or "" (pairwise: all in layout)
    json_instruction: str
    repair: str
    pass_threshold: float = 3.0
    max_answer_tokens: int = 0  # pairwise only: each answer cut to this many tokens (0 = whole)

    @property
    def sha(self) -> str:
        blob = "\x00".join((self.system, self.layout, self.question, self.json_instruction, self.repair,
                            str(self.pass_threshold), str(self.max_answer_tokens)))
        return hashlib.sha256(blob.encode()).hexdigest()[:12]

    def key(self) -> dict:
        return {"criterion": self.criterion, "version": self.version, "sha": self.sha}

    def label(self) -> str:
        return f"v{self.version} ({self.sha[:8]})"


def _fill(template: str, **values: str) -> str:
    # str.replace, not str.format: templates hold JSON braces, answers hold anything
    for k, v in values.items():
        template = template.replace("{" + k + "}", v)
    return template


def load_rubrics(rubric_dir: str | Path | None = None) -> tuple[dict[str, Rubric], Rubric]:
    """(pointwise rubrics by criterion, the pairwise rubric) from ``rubric_dir``."""
    d = Path(rubric_dir) if rubric_dir else RUBRIC_DIR
    pw = read_toml(d / "pointwise.toml", JudgeError, "rubric file not found; restore golden/rubrics/pointwise.toml")
    pr = read_toml(d / "pairwise.toml", JudgeError, "rubric file not found; restore golden/rubrics/pairwise.toml")
    for name, raw, keys in (("pointwise.toml", pw, ("version", "system", "layout", "question", "json_instruction",
                                                     "repair", "criteria")),
                            ("pairwise.toml", pr, ("version", "system", "layout", "json_instruction", "repair"))):
        missing = [k for k in keys if k not in raw]
        if missing:
            raise JudgeError(f"{d / name}: missing {', '.join(missing)}")
    point = {}
    for cid, c in pw["criteria"].items():
        missing = [k for k in ("version", "title", "question", "anchors") if k not in c]
        if missing:
            raise JudgeError(f"{d / 'pointwise.toml'} [criteria.{cid}]: missing {', '.join(missing)}")
        q = _fill(pw["question"], title=c["title"], question=c["question"], anchors=c["anchors"])
        thr = float(c.get("pass_threshold", 3))
        if not 1 <= thr <= 5:
            raise JudgeError(f"{d / 'pointwise.toml'} [criteria.{cid}]: pass_threshold must be within 1-5")
        point[cid] = Rubric(cid, f"{pw['version']}.{c['version']}", pw["system"], pw["layout"], q,
                            pw["json_instruction"], pw["repair"], thr)
    pair = Rubric("pairwise", str(pr["version"]), pr["system"], pr["layout"], "", pr["json_instruction"], pr["repair"],
                  max_answer_tokens=int(pr.get("max_answer_tokens", 0)))
    return point, pair


def rubric_versions(point: dict[str, Rubric], pair: Rubric) -> dict:
    return {**{c: r.label() for c, r in point.items()}, "pairwise": pair.label()}


# -- tasks and results --------------------------------------------------------------------
@dataclass
class PointTask:
    prompt: str
    response: str
    rubric: Rubric
    tag: tuple = ()  # caller's identifier, returned with the result


@dataclass
class PairTask:
    prompt: str
    first: str
    second: str
    rubric: Rubric
    tag: tuple = ()


def expected_score(probs: dict[str, float]) -> float | None:
    """G-Eval's expected score: sum of score x P(score), the probabilities renormalised
    over the score tokens. None when they carry no mass."""
    mass = sum(probs.values())
    if mass <= 0:
        return None
    return sum(int(k) * p for k, p in probs.items()) / mass


def unscored(reason: str, raw: str = "", method: str = "", attempts: int = 1, **extra) -> dict:
    return {"status": "unscored", "score": None, "probs": None, "mass": None, "method": method,
            "rationale": "", "raw": raw, "reason": reason, "attempts": attempts, **extra}


# -- parsing (HTTP judge replies) ---------------------------------------------------------
_JSON_OBJ = re.compile(r"\{.*?\}", re.S)


def parse_json_reply(text: str, field_name: str, allowed: tuple[str, ...]) -> tuple[str, str] | None:
    """(value, rationale) from a reply holding a JSON object with ``field_name``.

    Accepts code fences and prose around the object; the value must be one of ``allowed``
    (a score may be written 4, "4" or 4.0). Anything else: None.
    """
    for m in _JSON_OBJ.finditer(text or ""):
        try:
            obj = json.loads(m.group(0))
        except json.JSONDecodeError:
            continue
        if not isinstance(obj, dict) or field_name not in obj:
            continue
        v = obj[field_name]
        if isinstance(v, bool):
            continue
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        v = str(v).strip().upper()
        if v in allowed:
            r = obj.get("rationale", "")
            return v, (r if isinstance(r, str) else json.dumps(r)).strip().splitlines()[0] if r else ""
    return None


def probs_from_logprobs(content: list[dict] | None, allowed: tuple[str, ...], after: str = "") -> dict | None:
    """Probabilities of the ``allowed`` labels at the first generated token that is one of
    them (after the text ``after`` has appeared, e.g. ``"score"``), from its top_logprobs.
    None when the server sent no logprobs or no such token."""
    if not content:
        return None
    seen = ""
    for tok in content:
        t = tok.get("token") or ""
        label = t.strip().strip('"').strip().upper()
        if label in allowed and (not after or after in seen.lower()):
            probs = {a: 0.0 for a in allowed}
            tops = tok.get("top_logprobs") or [{"token": t, "logprob": tok.get("logprob", 0.0)}]
            for alt in tops:
                lab = (alt.get("token") or "").strip().strip('"').strip().upper()
                lp = alt.get("logprob")
                if lab in probs and lp is not None and lp > -1e9:
                    probs[lab] += math.exp(lp)
            return probs if sum(probs.values()) > 0 else None
        seen += t
    return None


def first_line(text: str, limit: int = 200) -> str:
    for line in (text or "").splitlines():
        line = line.strip().strip('"').strip()
        if line:
            return line[:limit]
    return ""


# -- the local judge ----------------------------------------------------------------------
class LocalJudge:
    """A transformers model on this machine: next-token probabilities over the labels."""

    kind = "hf"

    def __init__(self, model: str = DEFAULT_JUDGE, rationale_tokens: int = 16, min_mass: float = 0.01, log=print):
        from .models import resolve_model

        self.src = resolve_model(model)
        self.rationale_tokens = rationale_tokens
        self.min_mass = min_mass
        self.log = log
        self.model = None
        self.tok = None
        self.calls = 0  # model forward groups run (a cache hit runs none)

    @property
    def slug(self) -> str:
        return _slug(self.src.identity.get("name") or self.src.name)

    def identity(self) -> dict:
        return {"backend": self.kind, "model": self.src.identity, "method": "next-token probabilities (G-Eval)",
                "rationale_tokens": self.rationale_tokens, "min_mass": self.min_mass, "encoding": 2}

    def check_ready(self) -> None:
        return None  # resolve_model already failed loudly for a bad name

    def load(self) -> None:
        if self.model is not None:
            return

        from .models import load_model

        model, tok = load_model(self.src, log=self.log)
        model.eval()
        if tok.pad_token_id is None:
            tok.pad_token = tok.eos_token
        self.model, self.tok = model, tok
        self._ids = {lab: self._label_ids(lab) for lab in SCORES + CHOICES}
        self._newline = set(tok.encode("\n", add_special_tokens=False))

    def _label_ids(self, label: str) -> list[int]:
        """Token ids that spell ``label`` as one token, bare or after a space."""
        out = []
        for form in (label, " " + label):
            ids = self.tok.encode(form, add_special_tokens=False)
            if len(ids) == 1 and ids[0] not in out:
                out.append(ids[0])
        if not out:
            raise JudgeError(f"the judge's tokenizer has no single token for {label!r}; use another judge model")
        return out

    def _split(self, system: str, user_prefix: str, user_suffix: str, answer_prefix: str) -> tuple[list[int], list[int]]:
        """Token ids of the whole chat, split after the last token that ends within
        ``user_prefix``: the ids are exactly those of the unsplit text (the model reads the
        natural tokenization), and the prefix is shared by every criterion."""
        msgs = [{"role": "system", "content": system}, {"role": "user", "content": user_prefix + user_suffix}]
        text = render_prompt(self.tok, msgs) + answer_prefix
        cut = text.find(user_prefix)
        cut = cut + len(user_prefix) if cut >= 0 and user_prefix else 0
        enc = self.tok(text, add_special_tokens=False, return_offsets_mapping=True)
        ids, offs = enc["input_ids"], enc["offset_mapping"]
        i = 0
        while i < len(ids) and offs[i][1] <= cut:
            i += 1
        return ids[:i], ids[i:]

    def _probe(self, prefix: list[int], suffixes: list[list[int]], labels: tuple[str, ...]) -> list[dict]:
        import torch

        with torch.no_grad():  # local to the judge: never switch autograd off for the whole process
            return self._probe_no_grad(prefix, suffixes, labels)

    def _probe_no_grad(self, prefix: list[int], suffixes: list[list[int]], labels: tuple[str, ...]) -> list[dict]:
        """One forward over the shared prefix, one batched forward over the suffixes; per
        suffix: label probabilities (over the whole vocabulary), then a greedy rationale."""
        import torch

        model, tok = self.model, self.tok
        decoder, head = model.get_decoder(), model.get_output_embeddings()
        self.calls += 1
        n = len(suffixes)
        lp = len(prefix)
        past = None
        if lp:
            out = decoder(input_ids=torch.tensor([prefix]), use_cache=True)
            past = out.past_key_values
            past.batch_repeat_interleave(n)
        ls = max(len(s) for s in suffixes)
        pad = tok.pad_token_id
        ids = torch.tensor([s + [pad] * (ls - len(s)) for s in suffixes])
        smask = torch.tensor([[1] * len(s) + [0] * (ls - len(s)) for s in suffixes])
        mask = torch.cat([torch.ones(n, lp, dtype=smask.dtype), smask], dim=1)
        pos = (lp + torch.arange(ls)).unsqueeze(0).expand(n, ls)
        out = decoder(input_ids=ids, attention_mask=mask, position_ids=pos, past_key_values=past, use_cache=True)
        last = torch.tensor([len(s) - 1 for s in suffixes])
        h = out.last_hidden_state[torch.arange(n), last]
        probs_all = head(h).float().softmax(-1)
        results = []
        for i in range(n):
            probs = {lab: float(sum(probs_all[i, t] for t in self._ids[lab])) for lab in labels}
            results.append({"probs": probs, "mass": sum(probs.values())})
        if self.rationale_tokens > 0:
            self._rationales(out.past_key_values, mask, [len(s) for s in suffixes], lp, results, labels)
        return results

    def _rationales(self, past, mask, lens: list[int], lp: int, results: list[dict], labels) -> None:
        """Greedy continuation after the most likely label: "<label>\\nReason:" + up to
        ``rationale_tokens`` tokens, stopping at a newline or the end of the turn."""
        import torch

        tok, model = self.tok, self.model
        n = len(results)
        reason = tok.encode("\nReason:", add_special_tokens=False)
        best = []
        for r in results:
            lab = max(r["probs"], key=r["probs"].get)
            # the label's most likely spelling (bare or after a space) is the one fed back
            best.append(self._ids[lab][0])
        feed = torch.tensor([[b] + reason for b in best])
        k = feed.shape[1]
        mask = torch.cat([mask, torch.ones(n, k, dtype=mask.dtype)], dim=1)
        base = torch.tensor([lp + ln for ln in lens]).unsqueeze(1)
        pos = base + torch.arange(k).unsqueeze(0)
        out = model(input_ids=feed, attention_mask=mask, position_ids=pos, past_key_values=past, use_cache=True,
                    logits_to_keep=1)
        gen = [[] for _ in range(n)]
        done = [False] * n
        stop = set(self._newline) | {tok.eos_token_id}
        step = 0
        while True:
            nxt = out.logits[:, -1].argmax(-1).tolist()
            for i, t in enumerate(nxt):
                if done[i]:
                    continue
                if t in stop:
                    done[i] = True
                else:
                    gen[i].append(t)
            step += 1
            if all(done) or step >= self.rationale_tokens:
                break
            mask = torch.cat([mask, torch.ones(n, 1, dtype=mask.dtype)], dim=1)
            pos = pos[:, -1:] + 1
            out = model(input_ids=torch.tensor(nxt).unsqueeze(1), attention_mask=mask, position_ids=pos,
                        past_key_values=out.past_key_values, use_cache=True, logits_to_keep=1)
        for r, g in zip(results, gen):
            r["rationale"] = tok.decode(g, skip_special_tokens=True).strip()

    def _finish(self, r: dict, labels: tuple[str, ...], pairwise: bool, seconds: float) -> dict:
        raw = json.dumps({k: round(v, 6) for k, v in r["probs"].items()}) + (" | " + r.get("rationale", "")
                                                                           if r.get("rationale") else "")
        if r["mass"] < self.min_mass:
            return unscored(f"the label tokens carry {r['mass']:.4f} of the probability (< {self.min_mass}): "
                            "the judge was not answering with a score", raw=raw, method="probs",
                            probs=r["probs"], mass=r["mass"], seconds=seconds)
        norm = {k: v / r["mass"] for k, v in r["probs"].items()}
        out = {"status": "scored", "probs": norm, "mass": r["mass"], "method": "probs",
               "rationale": r.get("rationale", ""), "raw": raw, "reason": "", "attempts": 1, "seconds": seconds}
        if pairwise:
            out.update(score=None, p_first=norm["A"], winner_shown="A" if norm["A"] >= norm["B"] else "B")
        else:
            out.update(score=expected_score(norm))
        return out

    def score(self, tasks: list[PointTask], on_result) -> None:
        """Score pointwise tasks; tasks on the same answer share one read of it."""
        self.load()
        groups: dict[tuple, list[PointTask]] = {}
        for t in tasks:
            groups.setdefault((t.prompt, t.response, t.rubric.system, t.rubric.layout), []).append(t)
        for (prompt, response, system, layout), ts in groups.items():
            t0 = time.perf_counter()
            user_prefix = _fill(layout, prompt=prompt, response=response)
            try:
                parts = [self._split(system, user_prefix, t.rubric.question, "Score: ") for t in ts]
                prefix = parts[0][0]
                if any(p[0] != prefix for p in parts):  # a template that moves the answer: no shared prefix
                    prefix, sufs = [], [p[0] + p[1] for p in parts]
                else:
                    sufs = [p[1] for p in parts]
                res = self._probe(prefix, sufs, SCORES)
            except Exception as exc:  # noqa: BLE001 - one bad answer must not stop the run
                dt = time.perf_counter() - t0
                for t in ts:
                    on_result(t, unscored(f"local judge failed: {type(exc).__name__}: {exc}", seconds=dt))
                continue
            dt = (time.perf_counter() - t0) / len(ts)
            for t, r in zip(ts, res):
                on_result(t, self._finish(r, SCORES, False, dt))

    def compare(self, tasks: list[PairTask], on_result) -> None:
        self.load()
        for t in tasks:
            t0 = time.perf_counter()
            first, second = self.truncate(t.first, t.rubric), self.truncate(t.second, t.rubric)
            user = _fill(t.rubric.layout, prompt=t.prompt, first=first, second=second)
            try:
                prefix, suffix = self._split(t.rubric.system, user, "", "The better answer is")
                res = self._probe(prefix, [suffix], CHOICES)[0]
            except Exception as exc:  # noqa: BLE001
                on_result(t, unscored(f"local judge failed: {type(exc).__name__}: {exc}",
                                      seconds=time.perf_counter() - t0))
                continue
            on_result(t, self._finish(res, CHOICES, True, time.perf_counter() - t0))

    def truncate(self, text: str, rubric: Rubric) -> str:
        if not rubric.max_answer_tokens:
            return text
        ids = self.tok.encode(text, add_special_tokens=False)
        if len(ids) <= rubric.max_answer_tokens:
            return text
        return self.tok.decode(ids[: rubric.max_answer_tokens]) + " […]"


# -- the HTTP judge -----------------------------------------------------------------------
class HTTPJudge:
    """An OpenAI-compatible chat-completions endpoint (vLLM, llama.cpp, Ollama, hosted APIs)."""

    kind = "openai"

    def __init__(self, url: str, model_name: str | None = None, timeout: float = 60.0, concurrency: int = 4,
                 max_tokens: int = 96, api_key: str | None = None, retry_wait: float = 0.5):
        u = url.rstrip("/")
        if not u.endswith("/chat/completions"):
            u += "/chat/completions" if u.endswith("/v1") else "/v1/chat/completions"
        self.url = u
        self.model_name = model_name
        self.timeout = timeout
        self.concurrency = max(1, concurrency)
        self.max_tokens = max_tokens
        self.retry_wait = retry_wait
        self.api_key = api_key or os.environ.get("MOVIESTYLE_API_KEY") or os.environ.get("OPENAI_API_KEY") or ""
        self.calls = 0  # HTTP requests sent
        self._lock = threading.Lock()

    @property
    def slug(self) -> str:
        return _slug(self.model_name or "http-judge")

    def identity(self) -> dict:
        return {"backend": self.kind, "url": self.url, "model": self.model_name,
                "method": "logprobs when returned, else JSON", "max_tokens": self.max_tokens}

    def _headers(self) -> dict:
        h = {"Content-Type": "application/json"}
        if self.api_key:
            h["Authorization"] = f"Bearer {self.api_key}"
        return h

    def check_ready(self) -> None:
        """A clear error before the run when the endpoint is down; learns the served model
        name from /models when none was given."""
        base = self.url.rsplit("/chat/completions", 1)[0]
        try:
            req = urllib.request.Request(base + "/models", headers=self._headers())
            with urllib.request.urlopen(req, timeout=min(self.timeout, 10)) as resp:
                data = json.loads(resp.read().decode("utf-8") or "{}")
        except urllib.error.HTTPError:
            data = {}  # it answered; /models may simply not exist
        except (urllib.error.URLError, OSError) as exc:
            raise JudgeError(f"cannot reach the judge at {base}: {getattr(exc, 'reason', exc)}; is the server "
                             "running? (start it, or pass --judge smollm2-135m for the local judge)") from None
        except json.JSONDecodeError:
            data = {}
        if not self.model_name:
            models = [m.get("id") for m in (data.get("data") or []) if isinstance(m, dict) and m.get("id")]
            if not models:
                raise JudgeError(f"{base}/models lists no model; pass --judge-model-name NAME")
            self.model_name = models[0]

    def _post(self, payload: dict) -> dict:
        with self._lock:
            self.calls += 1
        req = urllib.request.Request(self.url, data=json.dumps(payload).encode(), method="POST",
                                     headers=self._headers())
        with urllib.request.urlopen(req, timeout=self.timeout) as resp:
            return json.loads(resp.read().decode("utf-8"))

    def _chat(self, messages: list[dict]) -> tuple[str, list | None, str]:
        """(text, logprobs content, error); a transport error or a 5xx is retried once."""
        payload = {"model": self.model_name, "messages": messages, "max_tokens": self.max_tokens,
                   "temperature": 0.0, "logprobs": True, "top_logprobs": 20}
        err = ""
        for attempt in range(2):
            try:
                data = self._post(payload)
                choice = data["choices"][0]
                text = (choice.get("message") or {}).get("content") or ""
                content = (choice.get("logprobs") or {}).get("content")
                return text, content, ""
            except urllib.error.HTTPError as exc:
                err = f"HTTP {exc.code}: {exc.read()[:200]!r}"
                if exc.code < 500 and exc.code != 429:
                    break
            except (urllib.error.URLError, TimeoutError, OSError, KeyError, IndexError, TypeError,
                    json.JSONDecodeError) as exc:
                err = f"{type(exc).__name__}: {exc}"
            if attempt == 0:
                time.sleep(self.retry_wait)
        return "", None, err

    def _ask(self, system: str, user: str, rubric: Rubric, field_name: str, allowed: tuple[str, ...]) -> dict:
        t0 = time.perf_counter()
        msgs = [{"role": "system", "content": system}, {"role": "user", "content": user + "\n\n" + rubric.json_instruction}]
        raws = []
        for attempt in (1, 2):
            text, content, err = self._chat(msgs)
            if err:
                return unscored(f"judge request failed after a retry: {err}", raw="\n---\n".join(raws),
                                method="http", attempts=attempt, transient=True,
                                seconds=time.perf_counter() - t0)
            raws.append(text)
            parsed = parse_json_reply(text, field_name, allowed)
            probs = probs_from_logprobs(content, allowed, after=field_name)
            if probs is None and parsed is None:
                probs = probs_from_logprobs(content, allowed) if field_name == "winner" else None
            if probs is not None or parsed is not None:
                rationale = parsed[1] if parsed else first_line(re.sub(r"[{}\"]", " ", text))
                if probs is not None:
                    mass = sum(probs.values())
                    norm = {k: v / mass for k, v in probs.items()}
                    method = "logprobs"
                else:
                    norm = {k: float(k == parsed[0]) for k in allowed}
                    mass = None
                    method = "json"
                return {"status": "scored", "probs": norm, "mass": mass, "method": method, "rationale": rationale,
                        "raw": "\n---\n".join(raws), "reason": "", "attempts": attempt,
                        "seconds": time.perf_counter() - t0}
            if attempt == 1:
                msgs = msgs + [{"role": "assistant", "content": text}, {"role": "user", "content": rubric.repair}]
        return unscored("the judge's reply did not parse, even after a repair retry", raw="\n---\n".join(raws),
                        method="http", attempts=2, seconds=time.perf_counter() - t0)

    def score(self, tasks: list[PointTask], on_result) -> None:
        def one(t: PointTask):
            user = _fill(t.rubric.layout, prompt=t.prompt, response=t.response) + t.rubric.question
            r = self._ask(t.rubric.system, user, t.rubric, "score", SCORES)
            if r["status"] == "scored":
                r["score"] = expected_score(r["probs"])
            return t, r

        self._pool(one, tasks, on_result)

    def compare(self, tasks: list[PairTask], on_result) -> None:
        def one(t: PairTask):
            user = _fill(t.rubric.layout, prompt=t.prompt, first=self.truncate(t.first, t.rubric),
                         second=self.truncate(t.second, t.rubric))
            r = self._ask(t.rubric.system, user, t.rubric, "winner", CHOICES)
            if r["status"] == "scored":
                r.update(score=None, p_first=r["probs"]["A"], winner_shown="A" if r["probs"]["A"] >= r["probs"]["B"] else "B")
            return t, r

        self._pool(one, tasks, on_result)

    def truncate(self, text: str, rubric: Rubric) -> str:
        # no tokenizer for a remote model: about 4 characters a token
        n = rubric.max_answer_tokens * 4
        return text if not n or len(text) <= n else text[:n] + " […]"

    def _pool(self, fn, tasks, on_result) -> None:
        with concurrent.futures.ThreadPoolExecutor(self.concurrency) as ex:
            for fut in concurrent.futures.as_completed([ex.submit(fn, t) for t in tasks]):
                on_result(*fut.result())


def _slug(name: str) -> str:
    s = re.sub(r"\.(gguf|safetensors)$", "", str(name).lower())
    s = re.sub(r"[^a-z0-9.]+", "-", s).strip("-")
    return s or "judge"


def make_judge(spec: str | None = None, model_name: str | None = None, rationale_tokens: int = 16,
               timeout: float = 60.0, concurrency: int = 4, log=print):
    """``--judge``: an http(s) URL (OpenAI-compatible server) or a model name/path (local)."""
    spec = spec or DEFAULT_JUDGE
    if spec.startswith(("http://", "https://")):
        return HTTPJudge(spec, model_name, timeout=timeout, concurrency=concurrency)
    try:
        return LocalJudge(spec, rationale_tokens=rationale_tokens, log=log)
    except MovieStyleError as exc:
        raise JudgeError(f"--judge {spec}: {exc}") from None


def judge_key(identity: dict) -> str:
    return key_of({"judge": identity})[:16]


# -- the cached driver ----------------------------------------------------------------------
@dataclass
class JudgeStats:
    cached: int = 0
    judged: int = 0
    unscored: int = 0
    calls_before: int = 0
    calls: int = 0
    seconds: float = 0.0
    by_kind: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"cached": self.cached, "judged": self.judged, "unscored": self.unscored, "judge_calls": self.calls,
                "seconds": round(self.seconds, 2)}


def run_tasks(judge, point: list[PointTask], pairs: list[PairTask], cache: DiskCache | None = None,
              progress=None) -> tuple[list[tuple], list[tuple], JudgeStats]:
    """Serve what the cache has, judge the rest; store each result as it arrives (a
    transient failure, e.g. a timeout, is not stored so a rerun tries again)."""
    cache = cache or DiskCache("judge")
    ident = judge.identity()
    stats = JudgeStats(calls_before=judge.calls)
    t0 = time.perf_counter()
    keys = {}

    def lookup(tasks, inputs) -> tuple[list, list]:
        """(cache hits as (task, result), tasks to judge); ``inputs(t)`` is what the key holds."""
        done, todo = [], []
        for t in tasks:
            k = key_of({"judge": ident, "rubric": t.rubric.key(), "prompt": t.prompt, **inputs(t)})
            keys[id(t)] = k
            hit = cache.get(k)
            if hit is not None:
                stats.cached += 1
                done.append((t, {**hit, "cached": True}))
            else:
                todo.append(t)
        return done, todo

    done_p, todo_p = lookup(point, lambda t: {"response": t.response})
    done_q, todo_q = lookup(pairs, lambda t: {"first": t.first, "second": t.second})
    if progress and stats.cached:
        progress(stats.cached)

    def store(into):
        def cb(t, r):
            r = {**r, "cached": False}
            stats.judged += 1
            if r["status"] != "scored":
                stats.unscored += 1
            if not r.get("transient"):
                cache.put(keys[id(t)], {k: v for k, v in r.items() if k != "cached"})
            into.append((t, r))
            if progress:
                progress(1)
        return cb

    if todo_p:
        judge.score(todo_p, store(done_p))
    if todo_q:
        judge.compare(todo_q, store(done_q))
    stats.calls = judge.calls - stats.calls_before
    stats.seconds = time.perf_counter() - t0
    return done_p, done_q, stats


# -- run folders ----------------------------------------------------------------------------
def read_generations(run_dir: str | Path) -> list[dict]:
    path = Path(run_dir) / "generations.jsonl"
    if not path.exists():
        raise InputError(path, None, None, "not found", "pass a run folder written by `moviestyle compare`")
    from .jsonl import read_jsonl

    rows = []
    for lineno, obj in read_jsonl(path, required={"prompt_id": str, "system": str, "response": str, "prompt": str},
                                  optional={"sample": int, "error": str}):
        if not obj["prompt"].strip():
            raise InputError(path, lineno, "prompt", "is empty")
        obj.setdefault("sample", 0)
        obj["_line"] = lineno
        rows.append(obj)
    if not rows:
        raise InputError(path, None, None, "no answers", "run `moviestyle compare` first")
    return rows


def pairs_of(systems: list[str]) -> list[tuple[str, str]]:
    out = []
    if "base" in systems and "tuned" in systems:
        out.append(("base", "tuned"))
    if "against" in systems and "tuned" in systems:
        out.append(("against", "tuned"))
    return out


def judge_run(run_dir: str | Path, judge, rubric_dir: str | Path | None = None, limit: int | None = None,
              criteria: list[str] | None = None, pairwise: bool = True, cache: DiskCache | None = None,
              progress=None, log=print) -> dict:
    """Judge a finished run folder: writes judge.jsonl, judge_raw/ and judge_summary.json."""
    from .judge_summary import summarise_judge
    from .jsonl import write_json_atomic, write_jsonl_atomic

    run = Path(run_dir)
    rows = read_generations(run)
    point_rubrics, pair_rubric = load_rubrics(rubric_dir)
    if criteria:
        unknown = [c for c in criteria if c not in point_rubrics]
        if unknown:
            raise JudgeError(f"unknown criteria {', '.join(unknown)}; known: {', '.join(point_rubrics)}")
        point_rubrics = {c: point_rubrics[c] for c in criteria}
    order = []
    for r in rows:
        if r["prompt_id"] not in order:
            order.append(r["prompt_id"])
    keep = set(order[:limit]) if limit else set(order)
    rows = [r for r in rows if r["prompt_id"] in keep]
    systems = []
    for r in rows:
        if r["system"] not in systems:
            systems.append(r["system"])
    judge.check_ready()
    point_tasks, pair_tasks, skipped = [], [], []
    for r in rows:
        for cid, rub in point_rubrics.items():
            tag = ("point", r["prompt_id"], r["system"], r["sample"], cid)
            if r.get("error") or not r["response"].strip():
                skipped.append((tag, r))
                continue
            point_tasks.append(PointTask(r["prompt"], r["response"], rub, tag))
    by = {(r["prompt_id"], r["system"], r["sample"]): r for r in rows}
    pair_names = pairs_of(systems) if pairwise else []
    for a, b in pair_names:
        for (pid, s, k), ra in by.items():
            if s != a or (pid, b, k) not in by:
                continue
            rb = by[(pid, b, k)]
            if ra.get("error") or rb.get("error") or not ra["response"].strip() or not rb["response"].strip():
                continue
            pair_tasks.append(PairTask(ra["prompt"], ra["response"], rb["response"], pair_rubric,
                                       ("pair", f"{a}->{b}", pid, k, a, b)))
            pair_tasks.append(PairTask(ra["prompt"], rb["response"], ra["response"], pair_rubric,
                                       ("pair", f"{a}->{b}", pid, k, b, a)))
    total = len(point_tasks) + len(pair_tasks)
    log(f"judging {len(rows)} answers on {len(point_rubrics)} criteria and {len(pair_tasks) // 2} pairs "
        f"(both orders) with the {judge.kind} judge {judge.slug}")
    done_p, done_q, stats = run_tasks(judge, point_tasks, pair_tasks, cache=cache, progress=progress)
    versions = rubric_versions(point_rubrics, pair_rubric)
    out_rows = []
    raw_dir = run / "judge_raw"
    for t, r in sorted(done_p, key=lambda x: x[0].tag[1:]):
        _, pid, s, k, cid = t.tag
        ans = by[(pid, s, k)]
        out_rows.append({"kind": "point", "prompt_id": pid, "system": s, "sample": k, "criterion": cid,
                         "rubric_version": versions[cid], "words": len(ans["response"].split()),
                         **{x: r.get(x) for x in ("status", "score", "probs", "mass", "method", "rationale",
                                                  "reason", "attempts", "cached", "raw")}})
    for tag, ans in skipped:
        _, pid, s, k, cid = tag
        out_rows.append({"kind": "point", "prompt_id": pid, "system": s, "sample": k, "criterion": cid,
                         "rubric_version": versions[cid], "status": "unscored", "score": None,
                         "reason": f"no answer to judge ({ans.get('error') or 'empty response'})", "raw": ""})
    orders: dict[tuple, dict] = {}
    for t, r in done_q:
        _, pair, pid, k, first, second = t.tag
        orders.setdefault((pair, pid, k), {})[(first, second)] = r
    for (pair, pid, k), both in sorted(orders.items()):
        a, b = pair.split("->")
        out_rows.append(pair_row(pair, pid, k, a, b, both.get((a, b)), both.get((b, a)),
                                 len(by[(pid, a, k)]["response"].split()), len(by[(pid, b, k)]["response"].split()),
                                 versions["pairwise"]))
    n_raw = 0
    for row in out_rows:
        if row["status"] == "unscored" and row.get("raw"):
            raw_dir.mkdir(exist_ok=True)
            name = "-".join(str(x) for x in (row["prompt_id"], row.get("system") or row.get("pair"), row["sample"],
                                             row.get("criterion", "pairwise")))
            (raw_dir / (re.sub(r"[^\w.-]+", "_", name) + ".txt")).write_text(
                f"reason: {row.get('reason')}\n\n{row['raw']}", encoding="utf-8")
            n_raw += 1
    write_jsonl_atomic(run / "judge.jsonl", out_rows)
    summary = summarise_judge(out_rows, judge.identity(), versions, systems, pair_names,
                              {c: r.pass_threshold for c, r in point_rubrics.items()})
    summary["judge"]["slug"] = judge.slug
    summary["timing"] = {**stats.as_dict(), "tasks": total}
    summary["raw_unscored_files"] = n_raw
    summary["calibration"] = find_calibration(judge.slug, judge.identity(), versions)
    write_json_atomic(run / "judge_summary.json", summary)
    return summary


def pair_row(pair: str, pid: str, sample: int, a: str, b: str, ab: dict | None, ba: dict | None,
             words_a: int, words_b: int, version: str) -> dict:
    """One pair judged in both orders. ``ab``: ``a`` shown first; ``ba``: ``b`` shown first.

    The verdict is ``b`` (b wins), ``a`` or ``tie``: a tie when the preferred system
    changes with the order (a position-driven verdict), ``unscored`` when either
    order could not be judged. ``p_b``: P(b better) averaged over both orders, which
    cancels a constant position bias.
    """
    row = {"kind": "pair", "pair": pair, "prompt_id": pid, "sample": sample, "rubric_version": version,
           "words": {a: words_a, b: words_b},
           "orders": [{"first": a, "second": b, **_order(ab)}, {"first": b, "second": a, **_order(ba)}]}
    if not ab or not ba or ab["status"] != "scored" or ba["status"] != "scored":
        row.update(status="unscored", verdict=None, flip=None, p_b=None,
                   reason="; ".join(x.get("reason", "") for x in (ab, ba) if x and x["status"] != "scored")
                   or "an order is missing", raw="\n---\n".join(x.get("raw", "") for x in (ab, ba) if x))
        return row
    pref1 = a if ab["winner_shown"] == "A" else b   # preferred when a was shown first
    pref2 = b if ba["winner_shown"] == "A" else a   # preferred when b was shown first
    verdict = pref1 if pref1 == pref2 else "tie"
    p_b = ((1 - ab["p_first"]) + ba["p_first"]) / 2
    row.update(status="scored", verdict=verdict, flip=pref1 != pref2, p_b=p_b,
               rationale=ab.get("rationale") or ba.get("rationale") or "", raw="")
    return row


def _order(r: dict | None) -> dict:
    if not r:
        return {"status": "unscored", "reason": "missing"}
    return {k: r.get(k) for k in ("status", "winner_shown", "p_first", "method", "rationale", "reason", "cached",
                                  "raw")}


# -- calibration files ----------------------------------------------------------------------
def calibration_path(slug: str) -> Path:
    return CALIBRATION_DIR / f"{slug}.json"


def find_calibration(slug: str, identity: dict, versions: dict) -> dict:
    """The saved calibration for this judge, marked ``current`` only when it was made with
    the same judge identity and the same rubric versions."""
    path = calibration_path(slug)
    if not path.exists():
        return {"status": "missing", "path": f"golden/judge_calibration/{slug}.json",
                "note": "no calibration for this judge: run `moviestyle judge calibrate --judge ...`; until then its "
                        "scores carry no stated reliability"}
    try:
        cal = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        return {"status": "unreadable", "path": str(path.relative_to(ROOT)), "note": str(exc)}
    status = "current"
    notes = []
    if cal.get("judge_key") != judge_key(identity):
        status, notes = "stale", notes + ["made with another judge identity (model file, method or settings)"]
    saved = cal.get("rubric_versions") or {}
    if any(saved.get(k) != v for k, v in versions.items() if k in saved) or not set(versions) & set(saved):
        status, notes = "stale", notes + ["made with other rubric versions"]
    return {**cal, "status": status, "path": f"golden/judge_calibration/{slug}.json", "note": "; ".join(notes)}
