"""The style contract's parameters: one typed place, loaded from ``golden/style.toml``.

Every field carries its default and a ``help`` text (shown by ``moviestyle spec``).
A team adapting moviestyle to another assistant's style edits the TOML file; the
check classes read only this object, never hard-coded numbers or word lists.
"""

from __future__ import annotations

import dataclasses
import functools
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import SpecError

GOLDEN_DIR = Path(__file__).resolve().parent.parent / "golden"
DEFAULT_SPEC_PATH = GOLDEN_DIR / "style.toml"


def _f(default, help: str):
    """A dataclass field with a help text (lists get a factory)."""
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda d=default: type(d)(d), metadata={"help": help})
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True, eq=False)
class PicksSpec:
    min: int = _f(2, "Fewest recommended titles a response may give (pick_count).")
    max: int = _f(3, "Most recommended titles a response may give (pick_count).")


@dataclass(frozen=True, eq=False)
class TitlesSpec:
    catalogue: str = _f("catalogue.csv", "Catalogue file, relative to the spec file's folder.")
    fuzzy_threshold: float = _f(
        88.0, "rapidfuzz ratio (0-100) at or above which a title matches a catalogue title."
    )
    exact_below_chars: int = _f(
        5, "Titles shorter than this (normalised) must match exactly: no fuzzy match for 'Up' vs 'Us'."
    )
    max_title_words: int = _f(12, "A bold span with more words than this is a sentence, not a title.")
    label_phrases: list = _f(
        [
            "why it fits", "why you'll love it", "why it works", "great picks", "top picks",
            "my picks", "picks", "recommendations", "bonus", "bonus pick", "honorable mention",
            "honourable mention", "note", "tip", "pro tip", "verdict", "summary", "director",
            "year", "genre", "runtime", "rating", "cast", "plot", "tl;dr",
        ],
        "Bold text equal to one of these (case-insensitive, ignoring ':' and '!') is a label, never a title.",
    )


@dataclass(frozen=True, eq=False)
class WhyItFitsSpec:
    label_pattern: str = _f(
        r"why\s+it\s+fits",
        "Regex (case-insensitive) for the section label that must start its own line.",
    )
    min_bullets: int = _f(2, "Fewest unordered bullets that must follow the label.")
    bullet_chars: str = _f("-*+•", "Characters that open a bullet ('•' is not markdown, so it is read by hand).")


@dataclass(frozen=True, eq=False)
class EnthusiasmSpec:
    min_exclamations: int = _f(1, "Exclamation marks required anywhere in the prose.")
    pass_threshold: float = _f(0.5, "Score (0-1) at or above which the voice counts as enthusiastic.")
    second_person: list = _f(
        ["you", "your", "you're", "youre", "you'll", "youll", "you've", "yours", "yourself", "ya"],
        "Words that address the user directly.",
    )
    excitement_phrases: list = _f(
        [
            "absolutely", "have to watch", "have to see", "must-watch", "must watch", "must-see",
            "must see", "going to love", "gonna love", "you'll love", "you will love", "you'll adore",
            "going to adore", "blow your mind", "blown away", "can't wait", "cannot wait", "amazing",
            "incredible", "fantastic", "awesome", "brilliant", "stunning", "gem", "masterpiece",
            "treat", "thrill", "thrilling", "so good", "obsessed", "perfect", "unforgettable",
            "wow", "love", "adore", "delight", "delightful", "gorgeous", "phenomenal", "spectacular",
            "can't miss", "don't miss", "trust me", "buckle up", "get ready", "enjoy", "favorite",
            "favourite", "exciting", "excited", "wild ride", "knockout", "heart", "joy", "best", "won't regret",
            "blast", "so much fun", "in for a treat", "thrilled", "epic", "legendary", "iconic", "gorgeous",
            "killer", "instant classic", "all-time", "outstanding", "superb", "wonderful", "beautiful",
        ],
        "Phrases that carry excitement (matched on word boundaries, case-insensitive).",
    )
    apologetic_phrases: list = _f(
        [
            "as an ai", "as a language model", "i'm sorry", "i am sorry", "sorry,", "i apologize",
            "i apologise", "unfortunately", "i cannot", "i can't provide", "i can't recommend",
            "i am unable", "i'm unable", "i don't have personal", "i do not have personal",
            "i don't have opinions", "i do not have opinions", "i'm not able", "i am not able",
            "i can only suggest", "i can only offer", "sorry in advance", "sorry if", "apologies",
            "my apologies", "i might be wrong", "i may be wrong", "could be wrong", "i'm not sure",
            "i am not sure", "i'm honestly not sure", "not sure they're", "miss the mark",
        ],
        "Apologetic or refusing framings: any one fails the voice.",
    )
    sarcastic_phrases: list = _f(
        [
            "i guess", "oh great", "yeah right", "if you must", "big surprise",
            "how original", "another one of those", "sure, why not", "/s", "wow, another",
            "ugh", "whatever.", "whatever,", "fine, watch", "fine. watch", "if you insist", "i suppose", "apparently",
            "bold choice",
            "groundbreaking taste", "how sophisticated", "how refined", "wow, a", "🙄",
        ],
        "Sarcastic framings: any one fails the voice.",
    )
    weak_phrases: list = _f(
        ["enjoy", "love", "heart", "favorite", "favourite", "perfect", "treat", "joy", "best"],
        "Excitement phrases too common in polite boilerplate to make a sentence excited on their own.",
    )
    stock_phrases: list = _f(
        [
            "i hope you enjoy", "hope you enjoy", "i hope this helps", "let me know if", "happy to help",
            "feel free to", "sure!", "certainly!", "of course!", "enjoy your viewing", "you might enjoy",
            "you may enjoy", "you might like", "you may like",
        ],
        "Stock politeness: a sentence made of it does not count as speaking to the user with excitement.",
    )
    flat_phrases: list = _f(
        [
            "here is a list", "here's a list", "the following", "below is", "below are",
            "listed below", "it is recommended", "are recommended", "is recommended",
            "you may also consider", "you might consider", "you could consider", "you may consider",
            "i hope this helps", "in conclusion", "in summary", "consider the following",
            "similar movies include", "similar films include", "options include",
        ],
        "Flat, clinical framings: each lowers the score.",
    )
    vader_weight: float = _f(0.3, "Weight of the VADER sentiment of the prose (hook and sign-off) in the score.")


@dataclass(frozen=True, eq=False)
class TasteSpec:
    link_cues: list = _f(
        [
            "since you", "because you", "as you", "given that you", "given you", "if you liked",
            "if you loved", "if you enjoyed", "if you like", "if you love", "if you enjoy",
            "if you dig", "if you dug", "if you're into", "if you are into", "you mentioned",
            "you said", "you asked", "you requested", "you wanted", "you're after", "you're looking for",
            "your interest", "matches your", "fits your", "you're a fan", "you are a fan", "fan of", "fans of", "your love",
            "your taste for", "your fondness", "your favorite", "your favourite", "you loved",
            "you liked", "you enjoyed", "you love", "you like", "you enjoy", "you adore",
            "you adored", "you're into", "you are into", "like you", "just like", "much like",
            "similar to", "same", "reminds", "in the vein of", "echoes", "shares", "scratches",
            "scratch that", "itch", "vibe", "vibes", "loved about", "liked about", "enjoyed about",
            "as with", "like in", "like with", "for someone who", "for anyone who", "since", "like",
            "your appreciation", "appreciation for", "match", "matches", "matching", "mirror", "mirrors",
            "mirroring", "on par with", "recalls", "recall", "sharing", "share", "as much as", "every bit as",
            "hit you", "hooked you", "got under your skin", "your thing", "up your alley", "in the spirit of",
            "kindred", "companion piece", "if", "also", "again", "another", "too", "akin to", "evokes",
            "channels", "carries", "carry", "same way", "as well", "love", "loved", "liked", "enjoyed",
            "fan", "as a", "appreciate", "appreciated",
        ],
        "Phrases that connect the user's taste to a pick (a sentence needs one and a named taste).",
    )
    generic_phrases: list = _f(
        [
            "based on your taste", "based on your preferences", "based on your interests",
            "based on your request", "based on what you like", "based on your likes",
            "tailored to your taste", "matches your taste", "suit your taste", "fits your taste",
        ],
        "Generic links that name no taste: they never count as reasoning on their own.",
    )
    contrast_phrases: list = _f(
        [
            "but let's", "something different", "totally different", "completely different", "change of pace",
            "instead of", "break from", "shake things up", "switch it up", "for a change", "nothing like",
            "the opposite of", "unlike",
        ],
        "A sentence naming the taste only to turn away from it is no link.",
    )
    min_quality_words: int = _f(
        2, "Content words, besides the cue and the named taste, a link sentence needs to tie a quality."
    )
    taste_terms: list = _f(
        [
            "heist", "sci-fi", "science fiction", "scifi", "horror", "thriller", "comedy", "comedies",
            "rom-com", "romcom", "romantic", "romance", "drama", "western", "noir", "animated",
            "animation", "anime", "documentary", "documentaries", "musical", "fantasy", "superhero",
            "war", "crime", "mystery", "mysteries", "action", "adventure", "family", "slow-burn",
            "slow burn", "psychological", "space", "time travel", "twist", "twists", "mind-bending",
            "mind bending", "dystopian", "zombie", "slasher", "gangster", "mob", "mafia", "spy",
            "martial arts", "kung fu", "coming-of-age", "coming of age", "feel-good", "feel good",
            "cozy", "cosy", "dark", "quirky", "indie", "foreign", "french", "korean", "japanese",
            "italian", "spanish", "british", "80s", "90s", "70s", "60s", "00s", "classic", "classics",
            "epic", "satire", "satirical", "period", "historical", "biopic", "sports", "courtroom",
            "detective", "cyberpunk", "post-apocalyptic", "alien", "aliens", "monster", "ghost",
            "supernatural", "witty", "funny", "scary", "creepy", "tense", "suspense", "suspenseful",
            "emotional", "tearjerker", "heartwarming", "uplifting", "visual", "visually", "stylish",
            "atmospheric", "cerebral", "smart", "clever", "puzzle", "car chases", "explosions",
            "fight", "fights", "samurai", "musicals", "disaster", "survival", "revenge", "road trip",
            "buddy", "stoner", "parody", "spoof", "mockumentary", "black comedy", "dark comedy",
            "neo-noir", "thrillers", "westerns", "dramas", "rom-coms", "horrors", "romances",
        ],
        "Genre, mood and quality words that count as a stated taste when the prompt uses them.",
    )


@dataclass(frozen=True, eq=False)
class GroundedSpec:
    year_tolerance: int = _f(
        1, "Years off by at most this many still agree (release years differ between countries)."
    )
    distinctive_genres: list = _f(
        ["Animation", "Documentary", "Horror", "Musical", "Western", "Superhero", "Science Fiction"],
        "Catalogue genres whose claim is checked (broad ones like Drama overlap too much to judge).",
    )


@dataclass(frozen=True, eq=False)
class StyleSpec:
    """The whole contract's parameters. ``path`` is where it was loaded from."""

    criteria: list = _f(
        ["bold_titles", "why_it_fits", "enthusiasm", "taste_reasoning"],
        "The criteria whose pass makes `overall` pass.",
    )
    supporting: list = _f(
        ["known_titles", "no_repeat", "pick_count", "grounded"],
        "Checks that are reported beside the criteria (gate on them with the gate's floors).",
    )
    picks: PicksSpec = field(default_factory=PicksSpec, metadata={"help": "Pick-count range."})
    titles: TitlesSpec = field(default_factory=TitlesSpec, metadata={"help": "Title detection."})
    why_it_fits: WhyItFitsSpec = field(default_factory=WhyItFitsSpec, metadata={"help": "'Why it fits' sections."})
    enthusiasm: EnthusiasmSpec = field(default_factory=EnthusiasmSpec, metadata={"help": "Voice."})
    taste: TasteSpec = field(default_factory=TasteSpec, metadata={"help": "Taste-to-pick reasoning."})
    grounded: GroundedSpec = field(default_factory=GroundedSpec, metadata={"help": "Fact checks."})
    path: str = _f("", "File the spec was loaded from ('' for built-in defaults).")

    @property
    def catalogue_path(self) -> Path:
        return _catalogue_path(self.path, self.titles.catalogue)

    def describe(self) -> list[tuple[str, object, str]]:
        """(dotted name, value, help) for every field: the spec's own documentation."""
        rows = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if dataclasses.is_dataclass(value):
                for sub in dataclasses.fields(value):
                    rows.append((f"{f.name}.{sub.name}", getattr(value, sub.name), sub.metadata.get("help", "")))
            else:
                rows.append((f.name, value, f.metadata.get("help", "")))
        return rows


@functools.lru_cache(maxsize=32)
def _catalogue_path(spec_path: str, catalogue: str) -> Path:
    base = Path(spec_path).parent if spec_path else GOLDEN_DIR
    return (base / catalogue).resolve()


_SECTIONS = {
    "picks": PicksSpec,
    "titles": TitlesSpec,
    "why_it_fits": WhyItFitsSpec,
    "enthusiasm": EnthusiasmSpec,
    "taste": TasteSpec,
    "grounded": GroundedSpec,
}


def _build(cls, data: dict, where: str):
    known = {f.name: f for f in dataclasses.fields(cls)}
    kwargs = {}
    for key, value in data.items():
        if key not in known:
            raise SpecError(f"{where}: unknown field {key!r}; known fields: {', '.join(sorted(known))}")
        default = known[key].default
        if default is not dataclasses.MISSING and default is not None:
            expected = type(default)
            if expected is float and isinstance(value, int):
                value = float(value)
            if not isinstance(value, expected):
                raise SpecError(
                    f"{where}: field {key!r} must be {expected.__name__}, got {type(value).__name__} ({value!r})"
                )
        elif known[key].default_factory is not dataclasses.MISSING and not isinstance(value, list):
            raise SpecError(f"{where}: field {key!r} must be a list, got {type(value).__name__}")
        kwargs[key] = value
    return cls(**kwargs)


def read_toml(path: Path, error: type[Exception], missing: str) -> dict:
    """Parse a TOML file; a missing or malformed file raises ``error`` naming the file."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{path}: {missing}") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML: {exc}") from None


def load_spec(path: str | Path | None = None) -> StyleSpec:
    """Load a spec from TOML (default ``golden/style.toml``); unknown keys are errors."""
    path = Path(path) if path else DEFAULT_SPEC_PATH
    raw = read_toml(path, SpecError, "style spec not found; pass --spec PATH or restore golden/style.toml")
    top: dict = {}
    for key, value in raw.items():
        if key in _SECTIONS:
            if not isinstance(value, dict):
                raise SpecError(f"{path}: [{key}] must be a table")
            top[key] = _build(_SECTIONS[key], value, f"{path} [{key}]")
        elif key in ("criteria", "supporting"):
            if not isinstance(value, list):
                raise SpecError(f"{path}: {key} must be a list of check ids")
            top[key] = value
        else:
            raise SpecError(f"{path}: unknown key {key!r}; known: criteria, supporting, {', '.join(_SECTIONS)}")
    spec = StyleSpec(**top, path=str(path.resolve()))
    if spec.picks.min < 0 or spec.picks.max < spec.picks.min:
        raise SpecError(f"{path} [picks]: need 0 <= min <= max, got min={spec.picks.min} max={spec.picks.max}")
    return spec
