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


def structured_turn(i, tools=1):
    """A turn as a tool server answers it: the action, its assistant message with calls, results with ids."""
    calls = [{"id": f"call_{i}_{k}", "type": "function", "function": {"name": "calc", "arguments": f'{{"x":{k}}}'}}
             for k in range(tools)]
    observation = [{"role": "tool", "content": f"{i}.{k}", "tool_call_id": f"call_{i}_{k}", "name": "calc"} for k in range(tools)]
    return Turn(f"<think>state {i}</think>\n<tool_call>{i}</tool_call>", observation,
                {"role": "assistant", "content": f"<think>state {i}</think>", "tool_calls": calls})


class StructuredContextTests(unittest.TestCase):
    TURNS = [structured_turn(0, 2), structured_turn(1), structured_turn(2)]

    def test_structured_messages_carry_tool_calls_and_the_ids_they_answer(self):
        messages = build_context(PROMPT, self.TURNS, "full", "structured")
        self.assertEqual(messages[2], self.TURNS[0].assistant)
        self.assertEqual([m.get("tool_call_id") for m in messages[3:5]], ["call_0_0", "call_0_1"])
        self.assertEqual(messages[-1], {"role": "tool", "content": "2.0", "tool_call_id": "call_2_0", "name": "calc"})

    def test_text_messages_carry_no_tool_structure(self):
        messages = build_context(PROMPT, self.TURNS, "full")
        self.assertEqual(messages[2], {"role": "assistant", "content": self.TURNS[0].action})
        self.assertEqual(messages[3], {"role": "tool", "content": "0.0", "name": "calc"})

    def test_memory_modes_keep_the_ids_of_the_turns_they_show(self):
        messages = build_context(PROMPT, self.TURNS, "mem1", "structured")
        self.assertEqual([m["tool_calls"][0]["id"] for m in messages if m.get("tool_calls")], ["call_2_0"])
        window = build_context(PROMPT, self.TURNS, "window:2", "structured")
        self.assertEqual([m.get("tool_call_id") for m in window if m["role"] == "tool"], ["call_1_0", "call_2_0"])

    def test_strip_think_empties_old_reasoning_to_null_content(self):
        messages = build_context(PROMPT, self.TURNS, "strip-think", "structured")
        self.assertIsNone(messages[2]["content"])
        self.assertEqual(messages[2]["tool_calls"], self.TURNS[0].assistant["tool_calls"])
        self.assertEqual(messages[-2]["content"], "<think>state 2</think>", "the latest turn keeps its reasoning")

    def test_tool_results_past_the_calls_stay_plain(self):
        turn = structured_turn(0)
        turn.observation.append({"role": "tool", "content": "extra", "tool_call_id": "call_0_1", "name": "calc"})
        self.assertNotIn("tool_call_id", build_context(PROMPT, [turn], "full", "structured")[-1])

    def test_structured_needs_the_assistant_messages_and_a_known_mode(self):
        with self.assertRaisesRegex(ValueError, "turn 0 has no assistant message"):
            build_context(PROMPT, TURNS, "full", "structured")
        with self.assertRaisesRegex(ValueError, "messages must be 'text' or 'structured'"):
            build_context(PROMPT, TURNS, "full", "json")


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
