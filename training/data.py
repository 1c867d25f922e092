"""Build ``train.jsonl`` / ``eval.jsonl``: chat examples of the movie-expert style.

Every example is a user request (one to three liked titles, genres, moods,
directors, eras, dislikes; terse or chatty, sometimes lower-case or with typos)
and an answer in the full contract: an enthusiastic hook, an explicit taste link
that names what the user said, two or three **bold** picks with their year, each
with a "Why it fits:" section of two to four bullets, and a warm sign-off.

Facts come from the catalogue only: a bullet says "same director" only when the
catalogue says so, names a genre only when the pick has it, gives a rating only
when the catalogue has one. Picks are catalogue films, never the user's own.
Every answer is scored with every rule check before it is written; one failure
stops the build (``DataBuildError``) with the example and the failing evidence.
Training prompts that nearly duplicate a golden evaluation prompt stop it too.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz, process

from checks import OVERALL, Status, load_spec, score_pair
from checks.catalogue import Catalogue, Film, cached_catalogue, normalise
from checks.errors import MovieStyleError

GOLDEN_PROMPTS = Path(__file__).resolve().parent.parent / "golden" / "prompts.jsonl"


class DataBuildError(MovieStyleError):
    """The data build produced an answer that fails a rule check, or leaks the eval set."""


GENRE_WORDS = {
    "Action": ["action", "action-packed"], "Adventure": ["adventure", "adventurous"],
    "Animation": ["animated", "animation"], "Biography": ["biopic"], "Comedy": ["comedy", "funny"],
    "Crime": ["crime", "crime-soaked"], "Documentary": ["documentary"], "Drama": ["drama", "dramatic"],
    "Family": ["family-friendly"], "Fantasy": ["fantasy"], "Horror": ["horror"], "Musical": ["musical"],
    "Mystery": ["mystery"], "Romance": ["romance", "romantic"], "Science Fiction": ["sci-fi", "science fiction"],
    "Superhero": ["superhero"], "Thriller": ["thriller", "suspense"], "War": ["war"], "Western": ["western"],
}
GENRE_PLURAL = {
    "Action": "action movies", "Adventure": "adventure movies", "Animation": "animated films",
    "Biography": "biopics", "Comedy": "comedies", "Crime": "crime films", "Documentary": "documentaries",
    "Drama": "dramas", "Family": "family films", "Fantasy": "fantasy films", "Horror": "horror movies",
    "Musical": "musicals", "Mystery": "mysteries", "Romance": "romances", "Science Fiction": "sci-fi movies",
    "Superhero": "superhero movies", "Thriller": "thrillers", "War": "war films", "Western": "westerns",
}
MOODS = {
    "cozy": ["Family", "Comedy", "Romance", "Animation"], "dark": ["Thriller", "Crime", "Horror"],
    "mind-bending": ["Science Fiction", "Mystery", "Thriller"], "feel-good": ["Comedy", "Family", "Musical"],
    "tense": ["Thriller", "Action"], "epic": ["Adventure", "Fantasy", "War"], "romantic": ["Romance"],
    "scary": ["Horror"], "funny": ["Comedy"], "thought-provoking": ["Drama", "Science Fiction"],
}
DISLIKES = {
    "nothing too gory": "Horror", "no horror please": "Horror", "no musicals": "Musical",
    "please no superhero stuff": "Superhero", "nothing animated": "Animation", "no westerns": "Western",
    "skip the war movies": "War", "no romance": "Romance",
}
DISLIKE_NOUN = {"Horror": "gore", "Musical": "musical numbers", "Superhero": "capes", "Animation": "cartoons",
                "Western": "cowboys", "War": "battlefields", "Romance": "mushy romance"}

# --- user phrasings ---------------------------------------------------------------------
ONE_TITLE = [
    "I loved {t1}. What should I watch next?", "Just watched {t1} and loved it, any recommendations?",
    "{t1} is one of my favorite movies. Can you suggest similar ones?", "movies like {t1}?",
    "I really enjoyed {t1}! Got anything in the same vein?", "Big fan of {t1}. What else would I like?",
    "Recommend me something like {t1} please", "i liked {t1}, what next",
    "My friend made me watch {t1} last weekend and honestly I loved it. What else should I check out?",
    "What would you recommend for someone who loved {t1}?", "{t1} was amazing. More like that?",
    "Can't stop thinking about {t1}. Any similar films?", "Looking for films similar to {t1}.",
]
TWO_TITLES = [
    "I loved {t1} and {t2}. What else would I enjoy?", "Fan of {t1} and {t2} here, recommendations?",
    "{t1} and {t2} are two of my favorites. Suggest something similar?",
    "i enjoyed {t1} and {t2}, what should i watch", "Big fan of {t1} and also {t2}. Any picks for me?",
    "Something for a fan of {t1} and {t2}?",
    "We just did a double bill of {t1} and {t2} and loved both. What should we watch next?",
]
THREE_TITLES = [
    "My favorites are {t1}, {t2} and {t3}. What else should I see?",
    "I loved {t1}, {t2}, and {t3}. Recommendations?", "fan of {t1}, {t2} and {t3}. what next?",
    "Been on a roll with {t1}, {t2} and {t3} lately. Keep it going?",
]
GENRE = [
    "I love {g}. Any recommendations?", "Can you recommend some good {g}?", "looking for {g}, suggestions?",
    "I'm in the mood for {g}. What should I watch?", "What are some great {g} I might have missed?",
    "Give me your best {g}!", "I'm really into {g} lately, what should I watch?",
]
MOOD = [
    "I want something {m} tonight. Ideas?", "In the mood for something {m}. What do you suggest?",
    "Need a {m} movie for the weekend", "Can you recommend a {m} film?",
    "Feeling like a {m} movie night, what should I put on?",
]
DIRECTOR = [
    "I love {d}'s movies. What else should I watch?", "Big {d} fan here, recommendations?",
    "I've been watching a lot of {d} films. What else would I like?", "any picks for a {d} fan?",
    "{d} is my favorite director. What should I see next?",
]
ERA = [
    "I love {e} {g}. Any favorites?", "Recommend some {e} {g}?", "What are the best {e} {g}?",
    "Looking for {e} {g} to watch this weekend", "Got any great {g} from the {e}?",
]
MIXED = [
    "I loved {t1} and I'm generally into {g}. What should I watch?",
    "Fan of {t1}, and I love {g} in general. Recommendations?",
    "Something {m} like {t1}?", "I want something {m}, kind of like {t1}. Ideas?",
]
COUNT_ASK = [" Give me {n}.", " Just {n} picks please.", " {n} suggestions would be great."]
NUM_WORD = {2: "two", 3: "three"}

# --- answer phrasings -------------------------------------------------------------------
HOOKS = [
    "Oh, you're in for a treat!", "Ooh, great taste! You're going to love these!",
    "You absolutely have to see these!", "Get the popcorn ready, because you're going to love this lineup!",
    "I'm so excited for you, these are fantastic!", "Oh, you're going to have the best movie night!",
    "Yes! I've got the perfect picks for you!", "Trust me, you're going to adore these!",
    "Buckle up, you're in for something amazing!", "Oh, I love this question, and you're going to love these!",
    "You have fantastic taste, and these will not disappoint!", "Clear your schedule, you're going to want all of these!",
    "Ahh, what a great request! You're going to be thrilled!", "You're in luck, I have some gems for you!",
    "Oh, these are going to make your night!", "Ready for some absolute gems? You're going to love them!",
    "Fantastic choice! You're going to have a blast with these!", "Oh wow, you're going to love where this goes!",
]
LINK_TITLE = [
    "Since you loved {t}, I picked films with the same {q} you enjoyed there.",
    "Because {t} won you over, these share that same {q}.",
    "If {t} hooked you, these bring that same {q} to the table.",
    "You mentioned {t}, so I went straight for picks with the {q} that made it special.",
    "Since {t} {be} your kind of movie, every pick here carries that {q}.",
    "Given how much you liked {t}, I chose films that share that {q}.",
]
LINK_TASTE = [
    "Since you love {g}, every pick here is packed with {q}.",
    "Because you're into {g}, I went for films with real {q}.",
    "You said you're in the mood for {g}, so these deliver serious {q}.",
    "As a fan of {g}, you'll appreciate the {q} in each of these.",
    "Since {g} are your thing, I chose picks full of {q}.",
]
QUALITY = {
    "Action": ["adrenaline-soaked set pieces", "pulse-pounding chase sequences"],
    "Adventure": ["globe-trotting sense of wonder", "thrilling treasure-hunt energy"],
    "Animation": ["gorgeous hand-crafted visuals", "big-hearted animated storytelling"],
    "Biography": ["gripping true-story stakes", "remarkable real-life characters"],
    "Comedy": ["laugh-out-loud comic timing", "quotable, goofy charm"],
    "Crime": ["gritty underworld tension", "twisty criminal schemes"],
    "Documentary": ["jaw-dropping real-world stories", "eye-opening true stories"],
    "Drama": ["powerful emotional depth", "unforgettable character journeys"],
    "Family": ["warm, big-hearted charm", "cozy crowd-pleasing warmth"],
    "Fantasy": ["rich, magical world-building", "dreamlike escapist wonder"],
    "Horror": ["spine-tingling creeping dread", "genuinely nerve-shredding scares"],
    "Musical": ["toe-tapping show-stopping numbers", "soaring, joyful songs"],
    "Mystery": ["twisty puzzle-box plotting", "clever whodunit intrigue"],
    "Romance": ["swoon-worthy romantic chemistry", "heart-melting love stories"],
    "Science Fiction": ["mind-expanding futuristic ideas", "bold visionary world-building"],
    "Superhero": ["larger-than-life heroic spectacle", "crowd-pleasing caped heroics"],
    "Thriller": ["edge-of-your-seat suspense", "nail-biting, tightly wound tension"],
    "War": ["harrowing battlefield intensity", "gripping wartime courage"],
    "Western": ["dusty frontier showdowns", "gritty sun-baked frontier grit"],
    None: ["masterful storytelling craft", "memorable, vivid characters"],
}
PICK_LINE = [
    "**{title}** ({year})", "### **{title}** ({year})", "## **{title}** ({year})",
    "You absolutely have to watch **{title}** ({year})!", "**{title}** ({year}) is a must-see!",
    "Next up: **{title}** ({year})!",
]
LABELS = ["Why it fits:", "**Why it fits:**", "Why it fits", "*Why it fits:*"]
SIGNOFFS = [
    "Enjoy your movie night!", "Happy watching, and let me know which one you pick!", "Grab the popcorn and enjoy!",
    "You're going to have so much fun with these!", "Let me know how you like them!", "Have an amazing movie night!",
    "I can't wait to hear what you think!", "Enjoy every minute!", "Happy viewing, movie lover!",
    "These are going to be a treat, enjoy!", "Pop one on tonight, you won't regret it!",
]


@dataclass
class Taste:
    kind: str
    liked: list[Film] = field(default_factory=list)
    genre: str | None = None
    mood: str | None = None
    director: str | None = None
    era: int | None = None  # decade start year
    dislike: str | None = None
    count: int | None = None

    def tastes(self) -> list[str]:
        out = []
        if self.genre:
            out.append(GENRE_PLURAL[self.genre])
        if self.mood:
            out.append(self.mood)
        if self.director:
            out.append(self.director)
        if self.era:
            out.append(f"{str(self.era)[2:]}s")
        return out


def _w(word: str) -> dict:
    return {"w": word, "a": "an" if word[0] in "aeiou" else "a"}


def _typo(rng: random.Random, text: str) -> str:
    words = text.split(" ")
    idx = [i for i, w in enumerate(words) if len(w) > 5 and w.isalpha() and w.islower()]
    if not idx:
        return text
    i = rng.choice(idx)
    w = words[i]
    j = rng.randrange(1, len(w) - 2)
    words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:]
    return " ".join(words)


class Builder:
    def __init__(self, catalogue: Catalogue, seed: int):
        self.cat = catalogue
        self.rng = random.Random(seed)
        known = [f for f in catalogue.films if f.year and f.genres and f.directors
                 and (f.votes is None or f.votes >= 15000) and f.title.isascii()
                 and 3 <= len(f.title) <= 45 and not f.title[:1].islower()]
        # titles that are ambiguous in the catalogue (remakes) would make year checks noisy
        counts = Counter(normalise(f.title) for f in catalogue.films)
        self.pool = sorted((f for f in known if counts[normalise(f.title)] == 1), key=lambda f: f.id)
        self.by_genre: dict[str, list[Film]] = {}
        self.by_director: dict[str, list[Film]] = {}
        for f in self.pool:
            for g in f.genres:
                self.by_genre.setdefault(g, []).append(f)
            for d in f.directors:
                self.by_director.setdefault(d, []).append(f)
        self.directors = sorted(d for d, fs in self.by_director.items() if len(fs) >= 4)

    # -- tastes ---------------------------------------------------------------------------
    def taste(self) -> Taste:
        rng = self.rng
        kind = rng.choices(["one", "two", "three", "genre", "mood", "director", "era", "mixed"],
                           weights=[24, 14, 6, 14, 12, 10, 8, 12])[0]
        t = Taste(kind)
        if kind in ("one", "two", "three", "mixed"):
            n = {"one": 1, "two": 2, "three": 3, "mixed": 1}[kind]
            first = rng.choice(self.pool)
            t.liked = [first]
            while len(t.liked) < n:
                near = [f for f in self.by_genre[rng.choice(first.genres)] if f not in t.liked]
                t.liked.append(rng.choice(near))
        if kind in ("genre", "era"):
            t.genre = rng.choice([g for g in GENRE_PLURAL if len(self.by_genre.get(g, [])) >= 12])
        if kind == "era":
            decades = sorted({(f.year // 10) * 10 for f in self.by_genre[t.genre] if f.year >= 1950})
            decades = [d for d in decades if sum(1 for f in self.by_genre[t.genre] if (f.year // 10) * 10 == d) >= 4]
            if not decades:
                t.kind, t.era = "genre", None
            else:
                t.era = rng.choice(decades)
        if kind == "mood":
            t.mood = rng.choice(sorted(MOODS))
        if kind == "mixed":
            if rng.random() < 0.5:
                t.genre = rng.choice(t.liked[0].genres)
            else:
                t.mood = rng.choice([m for m, gs in MOODS.items() if set(gs) & set(t.liked[0].genres)] or ["epic"])
        if kind == "director":
            t.director = rng.choice(self.directors)
        if rng.random() < 0.15:
            t.dislike = rng.choice(sorted(DISLIKES))
        if rng.random() < 0.15:
            t.count = rng.choice([2, 3])
        return t

    def prompt(self, t: Taste) -> str:
        rng = self.rng
        titles = [f.title for f in t.liked]
        fill = {f"t{i + 1}": title for i, title in enumerate(titles)}
        if t.kind == "one":
            text = rng.choice(ONE_TITLE).format(**fill)
        elif t.kind == "two":
            text = rng.choice(TWO_TITLES).format(**fill)
        elif t.kind == "three":
            text = rng.choice(THREE_TITLES).format(**fill)
        elif t.kind == "genre":
            text = rng.choice(GENRE).format(g=GENRE_PLURAL[t.genre])
        elif t.kind == "mood":
            text = rng.choice(MOOD).format(m=t.mood)
        elif t.kind == "director":
            text = rng.choice(DIRECTOR).format(d=t.director)
        elif t.kind == "era":
            text = rng.choice(ERA).format(e=f"{str(t.era)[2:]}s", g=GENRE_PLURAL[t.genre])
        else:
            tpl = rng.choice([m for m in MIXED if ("{g}" in m) == bool(t.genre)])
            text = tpl.format(t1=titles[0], g=GENRE_PLURAL.get(t.genre, ""), m=t.mood or "")
        if t.dislike:
            text = text.rstrip() + rng.choice([" But {d}.", " ({d})", " Oh and {d}!", " {d}, though."]).format(d=t.dislike)
        if t.count:
            text += rng.choice(COUNT_ASK).format(n=rng.choice([str(t.count), NUM_WORD[t.count]]))
        r = rng.random()
        if r < 0.12:
            text = text.lower()
        elif r < 0.22:
            text = _typo(rng, text)
        return text

    # -- picks ----------------------------------------------------------------------------
    def candidates(self, t: Taste) -> list[Film]:
        liked_ids = {f.id for f in t.liked}
        banned = DISLIKES.get(t.dislike) if t.dislike else None
        if t.director:
            pool = list(self.by_director[t.director])
        elif t.liked:
            want = set(t.liked[0].genres)
            same_dir = [f for f in self.pool if set(f.directors) & set(t.liked[0].directors)]
            pool = same_dir + [f for f in self.pool if set(f.genres) & want]
            if t.genre:
                pool = [f for f in pool if t.genre in f.genres] or pool
            if t.mood:
                pool = [f for f in pool if set(f.genres) & set(MOODS[t.mood])] or pool
        elif t.mood:
            pool = [f for f in self.pool if set(f.genres) & set(MOODS[t.mood])]
        else:
            pool = list(self.by_genre[t.genre])
            if t.era:
                pool = [f for f in pool if (f.year // 10) * 10 == t.era]
        liked_keys = [normalise(f.title) for f in t.liked]
        out = []
        for f in pool:
            key = normalise(f.title)
            # never the user's film, nor one whose title hides inside (or contains) a liked title
            if f.id in liked_ids or f in out or any(f" {key} " in f" {k} " or f" {k} " in f" {key} " for k in liked_keys):
                continue
            if banned and banned in f.genres:
                continue
            out.append(f)
        return out

    def reasons(self, t: Taste, pick: Film) -> list[str]:
        """True statements about why ``pick`` fits ``t``, from catalogue facts only."""
        rng = self.rng
        out = []
        for liked in t.liked:
            shared_dir = sorted(set(pick.directors) & set(liked.directors))
            if shared_dir:
                out.append(rng.choice([
                    "Directed by {d}, the same filmmaker behind {l}.",
                    "It comes from {d}, who also made {l}, so you know you're in good hands.",
                ]).format(d=shared_dir[0], l=liked.title))
            shared = [g for g in pick.genres if g in liked.genres]
            if shared:
                g = rng.choice(shared)
                out.append(rng.choice([
                    "It has the same {w} streak you loved in {l}.",
                    "Like {l}, it's {a} {w} film through and through.",
                    "That {q} you enjoyed in {l}? This one has it in spades.",
                ]).format(**_w(rng.choice(GENRE_WORDS[g])), l=liked.title, q=rng.choice(QUALITY[g])))
        if t.director and t.director in pick.directors:
            out.append(rng.choice([
                "It's a {d} film, so it's right in your wheelhouse.",
                "Pure {d}: directed by the filmmaker you said you love.",
            ]).format(d=t.director))
        if t.genre and t.genre in pick.genres:
            out.append(rng.choice([
                "A genuine {w} pick, exactly what you asked for.",
                "It delivers the {q} every great {w} film needs.",
            ]).format(w=rng.choice(GENRE_WORDS[t.genre]), q=rng.choice(QUALITY[t.genre])))
        if t.era and pick.year and (pick.year // 10) * 10 == t.era:
            out.append(f"Released in {pick.year}, right in the {str(t.era)[2:]}s sweet spot you're after.")
        if t.mood:
            mg = [g for g in pick.genres if g in MOODS[t.mood]]
            if mg:
                out.append(rng.choice([
                    "Its {q} makes it perfect for a {m} night.",
                    "Exactly the {m} vibe you want, with {q} to spare.",
                ]).format(q=rng.choice(QUALITY[mg[0]]), m=t.mood))
        if t.dislike and DISLIKES[t.dislike] not in pick.genres:
            out.append(f"And no {DISLIKE_NOUN[DISLIKES[t.dislike]]} here, just like you asked.")
        if pick.rating and pick.rating >= 7.3:
            out.append(rng.choice([
                "Critics and audiences adore it: it holds a {r}/10 on IMDb.",
                "It's beloved for good reason, with a {r}/10 IMDb rating.",
            ]).format(r=pick.rating))
        if pick.directors and not any("Directed by" in r or "comes from" in r or "film, so" in r or "Pure " in r
                                      for r in out):
            names = list(pick.directors)
            who = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
            out.append(f"Directed by {who}, who {'brings' if len(names) == 1 else 'bring'} real craft to every scene.")
        rng.shuffle(out)
        return list(dict.fromkeys(out))

    def answer(self, t: Taste) -> tuple[str, list[Film]] | None:
        rng = self.rng
        cands = self.candidates(t)
        n = t.count or rng.choice([2, 3, 3])
        scored = [(len(self.reasons_preview(t, f)), (f.votes or 200000), f) for f in cands]
        good = [f for k, _, f in sorted(scored, key=lambda x: (-x[0], -x[1], x[2].id)) if k >= 2]
        if len(good) < n:
            return None
        head = good[: max(n * 6, 18)]
        picks = rng.sample(head, n)
        primary = (t.liked[0].genres[0] if t.liked else None) or t.genre or (MOODS[t.mood][0] if t.mood else None)
        for p in picks:
            if primary and primary in p.genres:
                break
        q = rng.choice(QUALITY.get(primary, QUALITY[None]))
        parts = [rng.choice(HOOKS)]
        if t.liked:
            names = " and ".join(f.title for f in t.liked[:2])
            parts.append(rng.choice(LINK_TITLE).format(t=names, q=q, be="are" if len(t.liked) > 1 else "is"))
        else:
            parts.append(rng.choice(LINK_TASTE).format(g=t.tastes()[0], q=q))
        out = [" ".join(parts), ""]
        style = rng.choice(PICK_LINE)
        numbered = rng.random() < 0.25
        label = rng.choice(LABELS)
        bullet = rng.choice(["-", "-", "-", "*", "•"])
        for i, pick in enumerate(picks, start=1):
            reasons = self.reasons(t, pick)[: rng.choice([2, 3, 3, 4])]
            line = style.format(title=pick.title, year=pick.year)
            if numbered:
                line = f"{i}. " + line.lstrip("# ")
                out.append(line)
                out.append(f"   {label}")
                out.extend(f"   - {r}" for r in reasons)
            else:
                out.append(line)
                out.append(label)
                out.extend(f"{bullet} {r}" for r in reasons)
            out.append("")
        out.append(rng.choice(SIGNOFFS))
        return "\n".join(out), picks

    def reasons_preview(self, t: Taste, pick: Film) -> list[str]:
        state = self.rng.getstate()
        try:
            return self.reasons(t, pick)
        finally:
            self.rng.setstate(state)


@dataclass
class BuildReport:
    train: int
    eval: int
    kinds: dict
    distinct_prompts: int
    distinct_hooks: int
    nearest_golden: dict
    sha256: dict

    def to_dict(self) -> dict:
        return self.__dict__


def leakage(prompts: list[str], golden: list[str], threshold: float) -> dict:
    """Nearest-golden similarity (rapidfuzz ratio on normalised text) of every training prompt."""
    if not golden:
        return {"max": 0.0, "median": 0.0, "over_threshold": []}
    a = [normalise(p) for p in prompts]
    b = [normalise(g) for g in golden]
    matrix = process.cdist(a, b, scorer=fuzz.ratio, workers=1)
    best = matrix.max(axis=1)
    arg = matrix.argmax(axis=1)
    over = [{"train": prompts[i], "golden": golden[int(arg[i])], "similarity": round(float(best[i]), 1)}
            for i in range(len(prompts)) if best[i] >= threshold]
    srt = sorted(float(x) for x in best)
    return {"max": round(srt[-1], 1), "median": round(srt[len(srt) // 2], 1),
            "p99": round(srt[int(len(srt) * 0.99) - 1], 1), "threshold": threshold, "over_threshold": over[:20],
            "n_over": len(over)}


def build(out_dir: str | Path, n_train: int = 3000, eval_frac: float = 0.05, seed: int = 0,
          spec_path: str | None = None, golden_path: str | Path = GOLDEN_PROMPTS, leak_threshold: float = 85.0,
          progress=None) -> BuildReport:
    spec = load_spec(spec_path)
    cat = cached_catalogue(str(spec.catalogue_path), spec.titles.fuzzy_threshold, spec.titles.exact_below_chars)
    b = Builder(cat, seed)
    n_eval = max(1, round(n_train * eval_frac))
    total = n_train + n_eval
    examples, seen = [], set()
    kinds: Counter = Counter()
    hooks: set = set()
    attempts = 0
    while len(examples) < total:
        attempts += 1
        if attempts > total * 20:
            raise DataBuildError(f"could only build {len(examples)} of {total} examples: the catalogue has too few "
                                 "films with genres and directors for the requested tastes")
        t = b.taste()
        user = b.prompt(t)
        key = normalise(user)
        if key in seen:
            continue
        made = b.answer(t)
        if made is None:
            continue
        answer, picks = made
        meta = {"liked_titles": [f.title for f in t.liked], "liked_tastes": t.tastes()}
        results = score_pair(user, answer, spec, meta)
        bad = {cid: r for cid, r in results.items() if cid != OVERALL and r.status is not Status.PASSED
               and not (cid == "grounded" and r.status is Status.UNSCORED)}
        if bad:
            detail = "; ".join(f"{cid}: {r.status.value}: {r.evidence[:10]}" for cid, r in bad.items())
            raise DataBuildError(f"generated example {len(examples) + 1} fails the rule checks ({detail}).\n"
                                 f"PROMPT: {user}\nANSWER:\n{answer}")
        seen.add(key)
        kinds[t.kind] += 1
        hooks.add(answer.split("!")[0])
        examples.append({"messages": [{"role": "user", "content": user}, {"role": "assistant", "content": answer}],
                         "meta": {**meta, "kind": t.kind, "picks": [f.label for f in picks]}})
        if progress:
            progress(1)
    golden = []
    if golden_path and Path(golden_path).exists():
        golden = [json.loads(line)["prompt"] for line in Path(golden_path).read_text(encoding="utf-8").splitlines()
                  if line.strip()]
    leak = leakage([e["messages"][0]["content"] for e in examples], golden, leak_threshold)
    if leak.get("n_over"):
        worst = leak["over_threshold"][0]
        raise DataBuildError(f"{leak['n_over']} training prompt(s) nearly duplicate a golden evaluation prompt "
                             f"(similarity >= {leak_threshold}); e.g. {worst['train']!r} ~ {worst['golden']!r} "
                             f"({worst['similarity']}). Change the phrasing templates or the golden prompt.")
    rng = random.Random(seed + 1)
    rng.shuffle(examples)
    eval_rows, train_rows = examples[:n_eval], examples[n_eval:]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    hashes = {}
    for name, rows in (("train.jsonl", train_rows), ("eval.jsonl", eval_rows)):
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        tmp = out / f".{name}.tmp"
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(out / name)
        hashes[name] = hashlib.sha256(text.encode()).hexdigest()
    report = BuildReport(len(train_rows), len(eval_rows), dict(kinds), len(seen), len(hooks), leak, hashes)
    (out / "data_card.json").write_text(json.dumps({"seed": seed, **report.to_dict()}, indent=2), encoding="utf-8")
    return report
