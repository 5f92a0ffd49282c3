"""Tiny transformers models built and saved by the tests (config + tokenizer + weights), so the
transformers backends are exercised through the same loading code as a real model, offline."""

from pathlib import Path

CORPUS = [
    "shares rose after strong earnings and record profit",
    "the stock fell after weak guidance and a probe",
    "the company will hold its annual meeting on tuesday",
    "apple reported revenue growth in china and services",
    "analysts expect the market to stay calm this week",
]


def _tokenizer(specials: list[str], *, bos: str | None, eos: str | None):
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    raw = Tokenizer(models.WordLevel(unk_token="[UNK]" if "[UNK]" in specials else "<unk>"))
    raw.pre_tokenizer = pre_tokenizers.Whitespace()
    raw.train_from_iterator(CORPUS, trainers.WordLevelTrainer(special_tokens=specials))
    names = {"unk_token": specials[0], "pad_token": specials[1]}
    if bos:
        names["bos_token"] = bos
    if eos:
        names["eos_token"] = eos
    # transformers 4.x: say which inputs the model takes (no token_type_ids for these models).
    return PreTrainedTokenizerFast(
        tokenizer_object=raw, model_input_names=["input_ids", "attention_mask"], model_max_length=128, **names
    )


def build_sentiment_model(path: Path, *, labels: dict[int, str], favour: int) -> Path:
    """A 1-layer DistilBERT classifier whose head always prefers label ``favour``."""
    import torch
    from transformers import DistilBertConfig, DistilBertForSequenceClassification

    tokenizer = _tokenizer(["[UNK]", "[PAD]", "[CLS]", "[SEP]"], bos=None, eos=None)
    tokenizer.cls_token, tokenizer.sep_token = "[CLS]", "[SEP]"
    config = DistilBertConfig(
        vocab_size=len(tokenizer),
        dim=32,
        n_layers=1,
        n_heads=2,
        hidden_dim=64,
        max_position_embeddings=128,
        num_labels=len(labels),
        id2label=labels,
        label2id={v: k for k, v in labels.items()},
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(0)
    model = DistilBertForSequenceClassification(config)
    with torch.no_grad():
        model.classifier.weight.zero_()
        model.classifier.bias.zero_()
        model.classifier.bias[favour] = 5.0
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def build_summary_model(path: Path) -> Path:
    """A 1-layer BART; its summaries are nonsense, but they come through the real pipeline."""
    import torch
    from transformers import BartConfig, BartForConditionalGeneration

    tokenizer = _tokenizer(["<unk>", "<pad>", "<s>", "</s>"], bos="<s>", eos="</s>")
    config = BartConfig(
        vocab_size=len(tokenizer),
        d_model=16,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        max_position_embeddings=128,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.eos_token_id,
        forced_bos_token_id=None,
        forced_eos_token_id=None,
    )
    torch.manual_seed(0)
    BartForConditionalGeneration(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path
