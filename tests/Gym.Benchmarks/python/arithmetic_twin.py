#!/usr/bin/env python3
"""The Python twin of tool-use/arithmetic-v0, for the step-cost benchmark (StepCostSuite).

Plain CPython 3 and its standard library, the same work as the C# loop as closely as it goes:
the same problem generator parameters (difficulty 3: 3-digit numbers, 3 operations, 1 distractor,
the same sentence templates), a system prompt built once, a scripted expert that regenerates the
task from the seed on every turn, reads its "[plan P/N]" state back from its last action and makes
one of three mistakes with probability --error-rate per turn; regex tag parsing, json.loads of the
tool call, the calculator's JSON-schema check, a tokenizer and recursive-descent calculator over
exact integers and fractions, the format / tool_call / numeric_match reward terms with their
weights, the context segments and a per-message token count cached per segment (a regex
pre-tokenizer count: the standard library has no BPE tokenizer), and one compact JSON line per
episode, encoded as UTF-8.

Prints one JSON object: {"episodes", "steps", "cpu_seconds", "wall_seconds", "bytes"}; the times
cover the episode loop only (time.process_time and time.perf_counter), not interpreter start-up.
"""
import argparse
import json
import random
import re
import time
from fractions import Fraction

PLACES = ["warehouse", "library", "bakery", "harbor", "school", "orchard", "factory", "museum"]
ITEMS = ["boxes", "books", "loaves", "crates", "pencils", "apples", "bolts", "tickets"]
NAMES = ["Ada", "Bruno", "Chen", "Dalia", "Emeka", "Farah", "Goran", "Hana"]
MAX_VALUE = 1_000_000_000_000
DIGITS, OPERATIONS, DISTRACTORS = 3, 3, 1
MAX_TURNS = OPERATIONS + 4
SYMBOL = {"add": "+", "sub": "-", "mul": "*", "div": "/"}

SCHEMA = {"type": "object", "properties": {"expression": {"type": "string", "description": "An arithmetic expression, e.g. (12 + 7) * 3 / 2. Operators: + - * / % ^ and parentheses."}}, "required": ["expression"], "additionalProperties": False}
TOOLS = [{"type": "function", "function": {"name": "calculator", "description": "Evaluates an arithmetic expression exactly and returns the number, or a precise error.", "parameters": SCHEMA}}]
FORMAT = "Expected: optionally <think>…</think>, then either one or more <tool_call>{\"name\": \"TOOL\", \"arguments\": {…}}</tool_call> blocks, or exactly one <answer>…</answer>."
SYSTEM_PROMPT = (f"You solve tasks step by step using the tools below. You have at most {MAX_TURNS} turns.\n"
                 f"Tools (JSON schema): {json.dumps(TOOLS, separators=(',', ':'), ensure_ascii=False)}\n{FORMAT}")

TAG = re.compile(r"<(/?)(think|tool_call|answer)>")
STATE = re.compile(r"\[plan (\d+)/(\d+)\]")
PRETOKEN = re.compile(r"[^\r\n\w]?[^\W\d_]+|\d{1,3}| ?[^\s\w]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
NUMBER = re.compile(r"\s*(\d+(?:\.\d+)?|[-+*/%^()])")


def operand(rng, digits):
    low = 1 if digits == 1 else 10 ** (digits - 1)
    return rng.randrange(low, 10 ** digits)


def next_step(rng, current, digits):
    for _ in range(16):
        op = rng.randrange(4)
        if op == 0:
            addend = operand(rng, digits)
            if current + addend <= MAX_VALUE:
                return (current, "add", addend, current + addend)
        elif op == 1 and current > 1:
            sub = rng.randrange(1, min(current, 10 ** digits))
            return (current, "sub", sub, current - sub)
        elif op == 2:
            factor = rng.randrange(2, 13)
            if current * factor <= MAX_VALUE:
                return (current, "mul", factor, current * factor)
        elif op == 3:
            divisors = [d for d in range(2, 13) if current % d == 0]
            if divisors:
                d = rng.choice(divisors)
                return (current, "div", d, current // d)
    fallback = rng.randrange(1, 10)
    return (current, "add", fallback, current + fallback)


def sentence(rng, step, item):
    who = rng.choice(NAMES)
    _, op, right, _ = step
    if op == "add":
        return f"Then {right} more {item} arrive." if rng.randrange(2) == 0 else f"{who} brings {right} more {item}."
    if op == "sub":
        return f"Then {right} {item} are sent away." if rng.randrange(2) == 0 else f"{who} takes {right} {item} away."
    if op == "mul":
        return f"Then the number of {item} becomes {right} times as large."
    return f"Then the {item} are split evenly into {right} groups and only one group stays."


def generate(seed):
    rng = random.Random(seed)
    place, item = rng.choice(PLACES), rng.choice(ITEMS)
    start = operand(rng, DIGITS)
    steps, current = [], start
    for _ in range(OPERATIONS):
        step = next_step(rng, current, DIGITS)
        steps.append(step)
        current = step[3]
    opening = f"A {place} holds {start} {item}." if rng.randrange(2) == 0 else f"At the start of the day, the {place} has {start} {item}."
    sentences = [opening] + [sentence(rng, s, item) for s in steps]
    drng = random.Random(seed * 31 + 7)
    for _ in range(DISTRACTORS):
        number = operand(drng, max(2, DIGITS))
        other = drng.choice([i for i in ITEMS if i != item])
        kind = drng.randrange(3)
        text = (f"(A {place} across the street has {number} {other}, which does not matter here.)" if kind == 0
                else f"{drng.choice(NAMES)} once counted {number} {other} somewhere else." if kind == 1
                else f"The {place} was founded {number} days ago.")
        sentences.insert(1 + drng.randrange(len(sentences)), text)
    prompt = " ".join(sentences) + f" How many {item} are in the {place} at the end? Use the calculator for every operation and answer with the number only."
    plan = [(f"{a} {SYMBOL[op]} {b}", str(r)) for a, op, b, r in steps]
    return prompt, plan, str(current)


# ---- the environment: parsing, schema check, calculator, rewards -------------------------------

def parse_action(text):
    """Returns (error, calls, answer)."""
    calls, answer, pos = [], None, 0
    for m in TAG.finditer(text):
        if m.start() < pos:
            continue
        closing, name = m.group(1), m.group(2)
        if closing:
            return f"</{name}> at character {m.start()} closes nothing. {FORMAT}", None, None
        end = text.find(f"</{name}>", m.end())
        if end < 0:
            return f"<{name}> at character {m.start()} is never closed with </{name}>. {FORMAT}", None, None
        body = text[m.end():end]
        pos = end + len(name) + 3
        if name == "tool_call":
            try:
                call = json.loads(body)
            except ValueError as ex:
                return f"the tool call is not valid JSON: {ex}. {FORMAT}", None, None
            if not isinstance(call, dict) or not isinstance(call.get("name"), str):
                return f"a tool call needs a name. {FORMAT}", None, None
            calls.append((call["name"], call.get("arguments", {})))
        elif name == "answer":
            answer = body.strip()
    if answer is not None and calls:
        return f"an action either calls tools or answers, not both. {FORMAT}", None, None
    if answer is None and not calls:
        return f"the action has neither a tool call nor an answer. {FORMAT}", None, None
    return None, calls, answer


def validate(schema, value):
    if not isinstance(value, dict):
        return "arguments must be an object"
    for key in schema["required"]:
        if key not in value:
            return f"missing required property '{key}'"
    for key, item in value.items():
        prop = schema["properties"].get(key)
        if prop is None:
            return f"unknown property '{key}'"
        if prop["type"] == "string" and not isinstance(item, str):
            return f"'{key}' must be a string"
    return None


def calculate(expression):
    tokens, pos = [], 0
    while pos < len(expression):
        m = NUMBER.match(expression, pos)
        if not m:
            if expression[pos:].strip() == "":
                break
            raise ValueError(f"unexpected character at {pos}")
        tokens.append(m.group(1))
        pos = m.end()
    index = 0

    def peek():
        return tokens[index] if index < len(tokens) else None

    def take():
        nonlocal index
        index += 1
        return tokens[index - 1]

    def primary():
        token = take() if peek() is not None else None
        if token is None:
            raise ValueError("unexpected end")
        if token == "(":
            value = additive()
            if take() != ")":
                raise ValueError("missing )")
            return value
        if token == "-":
            return -primary()
        return Fraction(token)

    def power():
        base = primary()
        if peek() == "^":
            take()
            return base ** int(power())
        return base

    def multiplicative():
        value = power()
        while peek() in ("*", "/", "%"):
            op, right = take(), power()
            if op != "*" and right == 0:
                raise ValueError("division by zero")
            value = value * right if op == "*" else value / right if op == "/" else value % right
        return value

    def additive():
        value = multiplicative()
        while peek() in ("+", "-"):
            op, right = take(), multiplicative()
            value = value + right if op == "+" else value - right
        return value

    result = additive()
    if index != len(tokens):
        raise ValueError("unexpected token")
    return str(result.numerator) if result.denominator == 1 else str(float(result))


class Environment:
    def reset(self, seed):
        self.prompt, self.plan, self.answer = generate(seed)
        self.turn = 0
        observation = [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": self.prompt}]
        info = {"digits": DIGITS, "distractors": DISTRACTORS, "max_turns": MAX_TURNS, "operations": OPERATIONS, "seed": seed, "wording": "story"}
        return observation, info

    def step(self, text):
        self.turn += 1
        error, calls, answer = parse_action(text)
        observation, invocations, info = [], [], {"turn": self.turn - 1}
        terms = [{"name": "format", "kind": "process", "raw": -1 if error else 0, "weight": 0.2, "value": -0.2 if error else 0}]
        terminated, reason, good_calls = False, "none", 0
        if error:
            observation.append({"role": "user", "content": f"Invalid action: {error}"})
        elif answer is not None:
            try:
                correct = Fraction(answer.replace(",", "")) == Fraction(self.answer)
            except (ValueError, ZeroDivisionError):
                correct = False
            terms.append({"name": "tool_call", "kind": "process", "raw": 0, "weight": 0.1, "value": 0})
            terms.append({"name": "numeric_match", "kind": "outcome", "raw": 1 if correct else 0, "weight": 1, "value": 1 if correct else 0})
            info.update({"expected_answer": self.answer, "is_success": correct})
            terminated, reason = True, "answered"
        else:
            for name, arguments in calls:
                if name != "calculator":
                    result, kind = f"unknown tool '{name}'; available tools: calculator", "unknown_tool"
                elif (problem := validate(SCHEMA, arguments)) is not None:
                    result, kind = f"invalid arguments for 'calculator': {problem}", "invalid_arguments"
                else:
                    try:
                        result, kind = calculate(arguments["expression"]), "none"
                        good_calls += 1
                    except (ValueError, ZeroDivisionError, OverflowError) as ex:
                        result, kind = str(ex), "invalid_arguments"
                invocations.append({"name": name, "arguments": arguments, "result": result, "error": kind})
                observation.append({"role": "tool", "content": result if kind == "none" else f"Error: {result}", "name": name})
        if answer is None or error:
            raw = 1 if calls and good_calls == len(calls) else (-1 if calls else 0)
            terms.append({"name": "tool_call", "kind": "process", "raw": raw, "weight": 0.1, "value": 0.1 * raw})
        truncated = not terminated and self.turn >= MAX_TURNS
        if truncated:
            terms.append({"name": "numeric_match", "kind": "outcome", "raw": 0, "weight": 1, "value": 0})
            info["is_success"] = False
            reason = "max_turns"
        reward = sum(t["value"] for t in terms)
        return observation, reward, terms, terminated, truncated, reason, info, invocations, error


# ---- the scripted expert ----------------------------------------------------------------------

def expert_act(seed, turn, context, error_rate):
    _, plan, answer = generate(seed)  # regenerated every turn, as the C# expert does
    total = len(plan) + 1
    done = 0
    last = next((i for i in range(len(context) - 1, -1, -1) if context[i]["role"] == "assistant"), -1)
    if last >= 0:
        m = STATE.search(context[last]["content"])
        if m and int(m.group(2)) == total and int(m.group(1)) < total:
            done = int(m.group(1))
            error, calls, _ = parse_action(context[last]["content"])
            if error is None and calls and done < len(plan):
                following = [c for c in context[last + 1:] if c["role"] == "tool"]
                if following and following[0]["content"] == plan[done][1]:
                    done += 1
    done = min(done, total - 1)
    state = f"[plan {done}/{total}]"
    rng = random.Random(seed * 1_000_003 + turn)
    pending = plan[done] if done < len(plan) else None
    if rng.random() < error_rate:
        mistake = rng.randrange(3)
        best = plan[done - 1][1] if done > 0 else None
        if mistake == 0 and pending is not None and best is not None:
            return f"<think>{state} I will answer now with what I have.</think>\n<answer>{best}</answer>"
        if mistake == 1:
            return f"<think>{state} Let me compute.</think><answer>{best or answer}"
        if mistake == 2 and pending is not None:
            wrong = pending[0].replace(" ", " + 1 ", 1) if rng.randrange(2) else pending[0] + " + 1"
            return f"<think>{state} {pending[0]}.</think>\n<tool_call>{json.dumps({'name': 'calculator', 'arguments': {'expression': wrong}}, separators=(',', ':'))}</tool_call>"
    if pending is not None:
        call = json.dumps({"name": "calculator", "arguments": {"expression": pending[0]}}, separators=(",", ":"))
        return f"<think>{state} Step {done + 1} of {len(plan)}: {pending[0]}.</think>\n<tool_call>{call}</tool_call>"
    return f"<think>{state} All {len(plan)} steps are done; the answer is {answer}.</think>\n<answer>{answer}</answer>"


# ---- the loop: recorder, token counts, JSON line ---------------------------------------------

def play(env, episode, seed, error_rate):
    prompt, reset_info = env.reset(seed)
    turns, context, segments, tokens = [], list(prompt), [{"turn": -1, "source": "prompt", "index": i} for i in range(len(prompt))], {}
    done = False
    total = 0.0
    while not done:
        count = 0
        for message, segment in zip(context, segments):
            key = (segment["turn"], segment["source"], segment["index"])
            if key not in tokens:
                tokens[key] = len(PRETOKEN.findall(message["content"])) + 4
            count += tokens[key]
        text = expert_act(seed, len(turns), context, error_rate)
        observation, reward, terms, terminated, truncated, reason, info, invocations, error = env.step(text)
        turn = {"turn": len(turns), "action": {"text": text}, "observation": observation, "tool_calls": invocations,
                "reward": reward, "breakdown": terms, "terminated": terminated, "truncated": truncated, "stop_reason": reason}
        if error:
            turn["format_error"] = error
        turn.update({"info": info, "context": list(segments), "context_tokens": count})
        turns.append(turn)
        t = len(turns) - 1
        context.append({"role": "assistant", "content": text})
        segments.append({"turn": t, "source": "action", "index": 0})
        for i, message in enumerate(observation):
            context.append(message)
            segments.append({"turn": t, "source": "observation", "index": i})
        total += reward
        done = terminated or truncated
    last = turns[-1]
    record = {"episode": episode, "environment_id": "tool-use/arithmetic-v0", "seed": seed, "policy_id": f"expert:{error_rate}",
              "status": "completed", "stop_reason": last["stop_reason"], "terminated": last["terminated"], "truncated": last["truncated"],
              "success": bool(last["info"].get("is_success", False)), "total_reward": total, "prompt": prompt, "reset_info": reset_info, "turns": turns}
    return len(turns), (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=4096)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--error-rate", type=float, default=0.1)
    args = parser.parse_args()
    env = Environment()
    steps = size = 0
    cpu, wall = time.process_time(), time.perf_counter()
    for episode in range(args.episodes):
        n, line = play(env, episode, 1_000_003 + episode * 7919 + args.seed, args.error_rate)
        steps += n
        size += len(line)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(json.dumps({"episodes": args.episodes, "steps": steps, "cpu_seconds": cpu, "wall_seconds": wall, "bytes": size}))


if __name__ == "__main__":
    main()
