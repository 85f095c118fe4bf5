"""The I/O-free protocol both session kinds use: action bodies, answers, WebSocket events."""
import json
import unittest

from gym_client import ConnectionClosed, GymError
from gym_client import websocket as ws
from gym_client._protocol import (Inbox, action_body, checked, close_frame, reset_answer, step_answer,
                                  step_request)
from tests.test_websocket import server_frame, unmask_client_frame

CALL = {"role": "assistant", "content": None,
        "tool_calls": [{"id": "c", "type": "function", "function": {"name": "calculator", "arguments": "{}"}}]}


class ActionTests(unittest.TestCase):
    def test_text_and_token_actions_go_as_before(self):
        self.assertEqual(action_body("hi"), "hi")
        self.assertEqual(action_body({"text": "hi", "token_ids": None, "logprobs": [0.5]}), {"text": "hi", "logprobs": [0.5]})

    def test_an_assistant_message_goes_as_it_is_null_content_included(self):
        self.assertEqual(step_request(CALL), {"type": "step", "action": CALL})
        self.assertEqual(action_body(dict(CALL, token_ids=None)), CALL)

    def test_anything_else_is_a_type_error_naming_the_shapes(self):
        for bad in (3, None, {"content": "x"}, ["x"]):
            with self.subTest(bad), self.assertRaisesRegex(TypeError, "OpenAI assistant message"):
                action_body(bad)


class AnswerTests(unittest.TestCase):
    def test_answers_always_have_the_structured_fields(self):
        self.assertEqual(reset_answer({"seed": 1})["tools"], [])
        self.assertIsNone(step_answer({"turn": 1})["assistant"])
        self.assertEqual(reset_answer({"tools": [{"type": "function"}]})["tools"], [{"type": "function"}])

    def test_an_error_answer_raises_the_servers_code_and_message(self):
        with self.assertRaises(GymError) as raised:
            checked({"type": "error", "error": {"code": "invalid_request", "message": "action.tool_calls[0] bad"}})
        self.assertEqual((raised.exception.code, raised.exception.message), ("invalid_request", "action.tool_calls[0] bad"))


class InboxTests(unittest.TestCase):
    def test_events_say_what_to_do(self):
        inbox = Inbox()
        self.assertIsNone(inbox.pop())
        inbox.feed(server_frame(ws.OP_PING, b"p") + server_frame(ws.OP_PONG, b"") + server_frame(ws.OP_TEXT, json.dumps({"a": 1}).encode())
                   + server_frame(ws.OP_CLOSE, ws.close_payload(1001, "bye")))
        self.assertEqual(unmask_client_frame(inbox.pop().reply)[:3], (True, ws.OP_PONG, b"p"), "a ping is answered with its payload")
        self.assertEqual(tuple(inbox.pop()), (None, None, None))
        self.assertEqual(inbox.pop().message, {"a": 1})
        self.assertEqual(inbox.pop().close, (1001, "bye"))
        self.assertIsNone(inbox.pop())

    def test_an_empty_read_is_a_dropped_connection(self):
        with self.assertRaises(ConnectionClosed) as raised:
            Inbox().feed(b"")
        self.assertEqual(raised.exception.code, 1006)

    def test_a_close_is_echoed_and_one_without_code_answered_with_1000(self):
        self.assertEqual(ws.parse_close_payload(unmask_client_frame(close_frame(1005))[2])[0], 1000)
        self.assertEqual(ws.parse_close_payload(unmask_client_frame(close_frame(1001))[2])[0], 1001)

