"""Memory-mode contexts: the rules, and the contexts `gym run` recorded (tests/data, from
`gym run scenarios/memory/mem1-arith-4-mem1.yaml -n 2 --memory MODE`; the CLI tests redo this with a
fresh run)."""
import os
import unittest

from gym_client import Turn, build_context, build_segments, parse_memory, strip_think
from tests.rollout_contexts import check_file

DATA = os.path.join(os.path.dirname(__file__), "data")

PROMPT = [{"role": "system", "content": "sys"}, {"role": "user", "content": "task"}]
TURNS = [Turn(f"<think>state {i}</think>\n<tool_call>{i}</tool_call>", [{"role": "tool", "content": str(i), "name": "calc"}])
         for i in range(3)]


def contents(messages):
    return [m["content"] for m in messages]


class MemoryModeTests(unittest.TestCase):
    def test_full_shows_everything(self):
        self.assertEqual(contents(build_context(PROMPT, TURNS)),
                         ["sys", "task"] + [x for t in TURNS for x in (t.action, t.observation[0]["content"])])

    def test_mem1_shows_the_prompt_and_the_latest_turn(self):
        self.assertEqual(contents(build_context(PROMPT, TURNS, "mem1")), ["sys", "task", TURNS[2].action, "2"])
        self.assertEqual(contents(build_context(PROMPT, [], "mem1")), ["sys", "task"])

    def test_window_shows_the_last_k_turns(self):
        self.assertEqual(contents(build_context(PROMPT, TURNS, "window:2")), ["sys", "task", TURNS[1].action, "1", TURNS[2].action, "2"])
        self.assertEqual(build_context(PROMPT, TURNS, "window:9"), build_context(PROMPT, TURNS, "full"))

    def test_strip_think_removes_old_think_blocks_only(self):
        messages = build_context(PROMPT, TURNS, "strip-think")
        self.assertEqual(contents(messages)[2], "<tool_call>0</tool_call>")
        self.assertEqual(contents(messages)[-2], TURNS[2].action)
        self.assertEqual(build_segments(PROMPT, TURNS, "strip-think")[2], {"turn": 0, "source": "action", "index": 0, "think_stripped": True})

    def test_think_blocks_are_stripped_as_gym_strips_them(self):
        self.assertEqual(strip_think("<THINK >a\nb</think>  \n<answer>1</answer>"), "<answer>1</answer>")
        self.assertEqual(strip_think("<think>unclosed <answer>1</answer>"), "<think>unclosed <answer>1</answer>")
        self.assertEqual(strip_think("x<think>1</think>y<think>2</think>"), "xy")

    def test_pairs_are_accepted_as_turns(self):
        self.assertEqual(build_context(PROMPT, [("a", [])], "full")[-1], {"role": "assistant", "content": "a"})

    def test_memory_modes_parse_as_gym_parses_them(self):
        self.assertEqual(parse_memory(" Window:3 "), ("window", 3))
        self.assertEqual(parse_memory("MEM1"), ("mem1", 0))
        for bad, message in {"window": "needs a size", "window:0": "whole number >= 1", "window:x": "whole number",
                             "full:2": "takes no argument", "mem2": "unknown memory mode 'mem2'"}.items():
            with self.subTest(bad), self.assertRaisesRegex(ValueError, message):
                parse_memory(bad)


class RecordedContextTests(unittest.TestCase):
    def test_contexts_match_what_gym_run_recorded_in_every_mode(self):
        for memory, name in (("full", "full"), ("mem1", "mem1"), ("window:2", "window-2"), ("strip-think", "strip-think")):
            with self.subTest(memory):
                self.assertEqual(check_file(os.path.join(DATA, f"mem1-arith-4.{name}.jsonl"), memory), 10)

    def test_a_different_mode_does_not_match(self):
        with self.assertRaisesRegex(AssertionError, "segments differ"):
            check_file(os.path.join(DATA, "mem1-arith-4.full.jsonl"), "mem1")


if __name__ == "__main__":
    unittest.main()
