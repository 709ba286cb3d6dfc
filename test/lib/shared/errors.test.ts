import test from "ava";
import { messageOf, toError } from "../../../lib/shared/errors.js";

test("messageOf gives an Error's message and any other thrown value as text", (t) => {
  t.is(messageOf(new TypeError("bad type")), "bad type");
  t.is(messageOf("plain string"), "plain string");
  t.is(messageOf(42), "42");
  t.is(messageOf(undefined), "undefined");
});

test("toError keeps an Error as it is and wraps anything else", (t) => {
  const original = new RangeError("out of range");
  t.is(toError(original), original);
  const wrapped = toError("thrown text");
  t.true(wrapped instanceof Error);
  t.is(wrapped.message, "thrown text");
  t.is(toError(null).message, "null");
});
