"""Loss on assistant tokens only, and the end-of-turn token is trained (decoded from real labels)."""

from harness.chat import encode_chat, render_prompt

MESSAGES = [
    {"role": "user", "content": "I loved Heat. More like it?"},
    {"role": "assistant", "content": "You have to watch **Ronin** (1998)!\nWhy it fits:\n- car chases\n- pros"},
]


def test_labels_cover_exactly_the_answer_and_its_end_token(smol_tokenizer):
    tok = smol_tokenizer
    enc = encode_chat(tok, MESSAGES)
    assert len(enc.input_ids) == len(enc.labels)
    trained = [t for t in enc.labels if t != -100]
    decoded = tok.decode(trained)
    assert decoded == MESSAGES[1]["content"] + tok.eos_token  # the answer, then <|im_end|>
    assert trained[-1] == tok.eos_token_id
    masked = tok.decode([i for i, l in zip(enc.input_ids, enc.labels) if l == -100])
    assert "I loved Heat" in masked and "<|im_start|>assistant" in masked  # the prompt is not trained
    assert "Ronin" not in masked


def test_training_and_generation_render_the_same_prompt(smol_tokenizer):
    tok = smol_tokenizer
    enc = encode_chat(tok, MESSAGES)
    prompt_ids = tok(render_prompt(tok, MESSAGES[:1]), add_special_tokens=False)["input_ids"]
    n_masked = sum(1 for l in enc.labels if l == -100)
    assert enc.input_ids[:n_masked] == prompt_ids
