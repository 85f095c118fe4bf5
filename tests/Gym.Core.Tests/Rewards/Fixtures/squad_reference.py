#!/usr/bin/env python3
"""Writes squad-reference-cases.json: (prediction, gold answers) pairs scored by the reference
functions of the SQuAD v2.0 evaluation script (normalize_answer, compute_exact, compute_f1), which
Search-R1, MEM1 and FlashRAG use unchanged, with the multi-answer rule of all three: the maximum over
the gold aliases. The functions below are copied from that script; only the driver is ours.
Run: python3 squad_reference.py > squad-reference-cases.json"""
import collections
import json
import re
import string
import sys


def normalize_answer(s):
    """Lower text and remove punctuation, articles and extra whitespace."""
    def remove_articles(text):
        regex = re.compile(r'\b(a|an|the)\b', re.UNICODE)
        return re.sub(regex, ' ', text)

    def white_space_fix(text):
        return ' '.join(text.split())

    def remove_punc(text):
        exclude = set(string.punctuation)
        return ''.join(ch for ch in text if ch not in exclude)

    def lower(text):
        return text.lower()

    return white_space_fix(remove_articles(remove_punc(lower(s))))


def get_tokens(s):
    if not s:
        return []
    return normalize_answer(s).split()


def compute_exact(a_gold, a_pred):
    return int(normalize_answer(a_gold) == normalize_answer(a_pred))


def compute_f1(a_gold, a_pred):
    gold_toks = get_tokens(a_gold)
    pred_toks = get_tokens(a_pred)
    common = collections.Counter(gold_toks) & collections.Counter(pred_toks)
    num_same = sum(common.values())
    if len(gold_toks) == 0 or len(pred_toks) == 0:
        # If either is no-answer, then F1 is 1 if they agree, 0 otherwise
        return int(gold_toks == pred_toks)
    if num_same == 0:
        return 0
    precision = 1.0 * num_same / len(pred_toks)
    recall = 1.0 * num_same / len(gold_toks)
    f1 = (2 * precision * recall) / (precision + recall)
    return f1


CASES = [
    ("9984", ["9,984"]),
    ("Worlds best goalkeeper", ["World's Best Goalkeeper"]),
    ("Paris", ["Paris"]),
    ("paris", ["PARIS"]),
    ("The Paris", ["Paris"]),
    ("Paris, France", ["Paris"]),
    ("Paris France", ["Paris, France"]),
    ("Paris,France", ["Paris France"]),
    ("a cat", ["the cat"]),
    ("An apple a day", ["apple day"]),
    ("theatre", ["the atre"]),
    ("anathema", ["thema"]),
    ("the-end", ["end"]),
    ("the end", ["end"]),
    ("U.S.A.", ["USA"]),
    ("U.S.", ["us"]),
    ("$1,000", ["1000"]),
    ("1,000,000", ["1 000 000"]),
    ("3.14", ["314"]),
    ("Mara Vent", ["Mara Vent", "M. Vent"]),
    ("M Vent", ["Mara Vent", "M. Vent"]),
    ("Vent", ["Mara Vent", "M. Vent"]),
    ("Mara", ["Mara Vent"]),
    ("Mara Vent the chemist", ["Mara Vent"]),
    ("vent vent vent", ["vent"]),
    ("Barack Obama", ["Obama"]),
    ("President Barack Obama", ["Barack Obama", "Obama"]),
    ("", ["Paris"]),
    ("Paris", [""]),
    ("", [""]),
    ("the", ["a"]),
    ("...", ["!!!"]),
    ("Beyoncé", ["beyonce"]),
    ("Beyoncé", ["BEYONCÉ"]),
    ("São Paulo", ["Sao Paulo"]),
    ("naïve", ["naive"]),
    ("Ærø", ["ærø"]),
    ("Straße", ["strasse"]),
    ("ΟΔΟΣ", ["οδος"]),
    ("İslam", ["islam"]),
    ("New York—City", ["New York City"]),
    ("“Hello”", ['"Hello"']),
    ("don’t", ["don't"]),
    ("rock ’n’ roll", ["rock n roll"]),
    ("1½", ["1 1/2"]),
    ("50%", ["50"]),
    ("C++", ["C"]),
    ("e-mail", ["email"]),
    ("New  York\tCity\n", ["new york city"]),
    ("A\u00a0Tale", ["tale"]),
    ("the_end", ["end"]),
    ("l'an 2000", ["lan 2000"]),
    ("a.an.the", ["aanthe"]),
    ("The The", ["the"]),
    ("yes", ["no"]),
    ("no answer", ["noanswer"]),
    ("1776", ["July 4, 1776"]),
    ("July 4 1776", ["July 4, 1776"]),
    ("Fourth of July", ["July 4"]),
    ("°C", ["c"]),
    ("x²", ["x2"]),
    ("Ⅻ", ["xii"]),
]


def main():
    rows = []
    for prediction, golds in CASES:
        rows.append({
            "prediction": prediction,
            "golds": golds,
            "normalized": normalize_answer(prediction),
            "em": max(compute_exact(g, prediction) for g in golds),
            "f1": max(compute_f1(g, prediction) for g in golds),
        })
    json.dump(rows, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
