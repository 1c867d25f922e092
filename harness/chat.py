"""One chat-template rendering for training and generation (they must never differ)."""

from __future__ import annotations

from dataclasses import dataclass


def prompt_messages(user: str, system: str | None = None) -> list[dict]:
    msgs = [{"role": "system", "content": system}] if system else []
    return msgs + [{"role": "user", "content": user}]


def render_prompt(tokenizer, messages: list[dict]) -> str:
    """The text the model sees before it answers (generation prompt included)."""
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)


@dataclass
class Encoded:
    input_ids: list[int]
    labels: list[int]  # -100 on prompt tokens: loss on the assistant's tokens only

    @property
    def n_trained(self) -> int:
        return sum(1 for x in self.labels if x != -100)


def encode_chat(tokenizer, messages: list[dict]) -> Encoded:
    """Token ids of a full conversation and labels that train only the last assistant turn.

    The end-of-turn token that closes the answer is trained (so the model learns to
    stop); anything the template adds after it (a newline) is dropped.
    """
    if not messages or messages[-1].get("role") != "assistant":
        raise ValueError("the last message must be the assistant's answer")
    prompt_text = render_prompt(tokenizer, messages[:-1])
    full_text = tokenizer.apply_chat_template(messages, tokenize=False)
    if not full_text.startswith(prompt_text):
        raise ValueError("the chat template renders the prompt differently inside the full conversation")
    prompt_ids = tokenizer(prompt_text, add_special_tokens=False)["input_ids"]
    answer_text = full_text[len(prompt_text):]
    eos = tokenizer.eos_token
    if eos and eos in answer_text:
        answer_text = answer_text[: answer_text.rindex(eos) + len(eos)]
    answer_ids = tokenizer(answer_text, add_special_tokens=False)["input_ids"]
    return Encoded(prompt_ids + answer_ids, [-100] * len(prompt_ids) + answer_ids)
