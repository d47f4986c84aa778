"""Sanity check for the held-out understanding set (stdlib only, reads files, writes nothing).

Usage: python bench/data/understanding/check.py
"""

import collections
import datetime
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
LANGS = ["fr", "en", "es", "ar", "ary"]
INTENTS = [
    "booking_new",
    "booking_change",
    "booking_cancel",
    "callback",
    "transfer",
    "lead_info",
    "question",
    "goodbye",
    "affirm",
    "deny",
    "correction",
    "chitchat",
]
STATE_INTENTS = set(INTENTS) | {None}
SLOTS = {"date", "time", "name", "phone", "service", "budget", "timeline", "authority"}
SCRIPTS = {
    "fr": {"latin"},
    "en": {"latin"},
    "es": {"latin"},
    "ar": {"arabic"},
    "ary": {"latin", "arabic"},
}
ARABIC = re.compile(r"[\u0600-\u06FF]")
errors = []


def err(msg):
    errors.append(msg)


def check_slots(slots, where):
    if not isinstance(slots, dict):
        return err(f"{where}: slots not an object")
    for k, v in slots.items():
        if k not in SLOTS:
            err(f"{where}: unknown slot {k}")
        elif k == "date":
            try:
                datetime.date.fromisoformat(v)
            except (TypeError, ValueError):
                err(f"{where}: bad date {v!r}")
        elif k == "time":
            if not (isinstance(v, str) and re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", v)):
                err(f"{where}: bad time {v!r}")
        elif k == "phone":
            if not (isinstance(v, str) and re.fullmatch(r"\+[1-9]\d{9,14}", v)):
                err(f"{where}: bad phone {v!r}")
        elif k == "budget":
            if not (
                isinstance(v, dict)
                and set(v) == {"amount", "currency"}
                and isinstance(v["amount"], (int, float))
                and v["currency"] in ("MAD", "EUR", "USD")
            ):
                err(f"{where}: bad budget {v!r}")
        elif k == "authority":
            if not isinstance(v, bool):
                err(f"{where}: authority not bool")
        elif not (isinstance(v, str) and v.strip()):
            err(f"{where}: empty {k}")
    return None


def main():
    counts = collections.Counter()
    scripts = collections.Counter()
    ids = set()
    n_turns = 0
    with open(os.path.join(HERE, "turns.jsonl"), encoding="utf-8") as f:
        for ln, line in enumerate(f, 1):
            where = f"turns.jsonl:{ln}"
            try:
                r = json.loads(line)
            except json.JSONDecodeError as e:
                err(f"{where}: {e}")
                continue
            n_turns += 1
            if set(r) != {"id", "language", "script", "text", "intent", "slots", "question"}:
                err(f"{where}: keys {sorted(r)}")
            lang, intent = r.get("language"), r.get("intent")
            if lang not in LANGS:
                err(f"{where}: language {lang!r}")
                continue
            if intent not in INTENTS:
                err(f"{where}: intent {intent!r}")
            if r.get("script") not in SCRIPTS[lang]:
                err(f"{where}: script {r.get('script')!r} for {lang}")
            if (r.get("script") == "arabic") != bool(ARABIC.search(r.get("text", ""))):
                err(f"{where}: script field disagrees with text")
            if not re.fullmatch(rf"{lang}-\d{{4}}", r.get("id", "")):
                err(f"{where}: id {r.get('id')!r}")
            if r.get("id") in ids:
                err(f"{where}: duplicate id {r.get('id')}")
            ids.add(r.get("id"))
            if not isinstance(r.get("question"), bool):
                err(f"{where}: question not bool")
            if not r.get("text", "").strip():
                err(f"{where}: empty text")
            check_slots(r.get("slots"), where)
            counts[(lang, intent)] += 1
            if lang == "ary":
                scripts[(intent, r.get("script"))] += 1

    dl_counts = collections.Counter()
    dl_turns = 0
    dids = set()
    with open(os.path.join(HERE, "dialogues.jsonl"), encoding="utf-8") as f:
        for ln, line in enumerate(f, 1):
            where = f"dialogues.jsonl:{ln}"
            try:
                d = json.loads(line)
            except json.JSONDecodeError as e:
                err(f"{where}: {e}")
                continue
            lang = d.get("language")
            if lang not in LANGS:
                err(f"{where}: language {lang!r}")
                continue
            if not re.fullmatch(rf"{lang}-d\d{{3}}", d.get("id", "")) or d["id"] in dids:
                err(f"{where}: bad or duplicate id {d.get('id')!r}")
            dids.add(d.get("id"))
            dl_counts[lang] += 1
            turns = d.get("turns") or []
            if len(turns) < 2:
                err(f"{where}: fewer than 2 turns")
            for i, t in enumerate(turns):
                w = f"{where} turn {i}"
                dl_turns += 1
                if not set(t) <= {"agent", "caller", "intent", "state_after"} or "caller" not in t:
                    err(f"{w}: keys {sorted(t)}")
                if t.get("intent") not in INTENTS:
                    err(f"{w}: intent {t.get('intent')!r}")
                st = t.get("state_after")
                if not isinstance(st, dict) or "intent" not in st:
                    err(f"{w}: state_after without intent")
                    continue
                if st["intent"] not in STATE_INTENTS:
                    err(f"{w}: state intent {st['intent']!r}")
                check_slots({k: v for k, v in st.items() if k != "intent"}, w)

    head = "intent".ljust(16) + "".join(lang.rjust(6) for lang in LANGS) + "   ary arabic/latin"
    print(head)
    for i in INTENTS:
        row = i.ljust(16) + "".join(str(counts[(lang, i)]).rjust(6) for lang in LANGS)
        print(row + f"   {scripts[(i, 'arabic')]:>3}/{scripts[(i, 'latin')]:<3}")
    print(
        "total".ljust(16)
        + "".join(str(sum(counts[(lang, i)] for i in INTENTS)).rjust(6) for lang in LANGS)
        + f"   = {n_turns} turns"
    )
    print(
        "dialogues".ljust(16)
        + "".join(str(dl_counts[lang]).rjust(6) for lang in LANGS)
        + f"   = {sum(dl_counts.values())} dialogues, {dl_turns} caller turns"
    )
    for lang in LANGS:
        for i in INTENTS:
            if counts[(lang, i)] < 40:
                err(f"only {counts[(lang, i)]} turns for {lang}/{i}")
        if dl_counts[lang] < 30:
            err(f"only {dl_counts[lang]} dialogues for {lang}")
    if errors:
        print(f"\n{len(errors)} problem(s):")
        for e in errors[:50]:
            print("  " + e)
        sys.exit(1)
    print("\nOK")


if __name__ == "__main__":
    main()
