/**
 * The one shape of every problem's message (components/core/define.ts): the key and its value, why,
 * what is allowed and the fix, in one sentence. Every rule's message is built by these functions; the
 * rules' own tests hold the words.
 */
import { describe as suite, expect, it } from "vitest";
import { describe, fieldProblem, sentence } from "../components/core/define";

const f = { why: "it is wrong", allowed: "1 or 3", fix: "set it to 3" };

suite("a problem's message", () => {
  it("names the key with its project, the value as JSON, why, what is allowed and the fix", () => {
    expect(describe("controlPlane", 2, f)).toEqual({
      key: "hcloud-talos-cilium:controlPlane",
      message: "hcloud-talos-cilium:controlPlane = 2: it is wrong. Allowed: 1 or 3. Fix: set it to 3.",
    });
  });

  it("names a part below the key and what the value was, and is still the key's problem", () => {
    expect(describe("controlPlane", "nbg1", f, { path: ".location", was: "fsn1" })).toEqual({
      key: "hcloud-talos-cilium:controlPlane",
      message:
        'hcloud-talos-cilium:controlPlane.location = "nbg1" (was "fsn1"): it is wrong. Allowed: 1 or 3. Fix: set it to 3.',
    });
    expect(fieldProblem("workerPools", { path: "[1].count", value: 0, ...f }).message).toBe(
      "hcloud-talos-cilium:workerPools[1].count = 0: it is wrong. Allowed: 1 or 3. Fix: set it to 3.",
    );
  });

  it("ends once: no full stop after a fix that is a question or a sentence already", () => {
    expect(sentence("x", { ...f, fix: "did you mean y?" })).toBe(
      "x: it is wrong. Allowed: 1 or 3. Fix: did you mean y?",
    );
    expect(sentence("x", { ...f, fix: "see the README." })).toBe(
      "x: it is wrong. Allowed: 1 or 3. Fix: see the README.",
    );
    expect(describe("k", undefined, f).message).toBe(
      "hcloud-talos-cilium:k = (unset): it is wrong. Allowed: 1 or 3. Fix: set it to 3.",
    );
  });
});
