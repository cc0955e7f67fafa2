import pytest

from albert_core.tokenizer import SPECIALS, load_tokenizer, train_tokenizer
from tests.core.helpers import sentiment_rows


def test_trains_saves_reloads_and_encodes_identically(tmp_path):
    texts = [t for t, _ in sentiment_rows(400)] + ["Upper Case Words Are Lowered"] * 5
    tok = train_tokenizer(texts, tmp_path / "tok", vocab_size=60)
    assert len(tok) == 60
    assert tok.convert_ids_to_tokens(list(range(5))) == SPECIALS
    again = load_tokenizer(tmp_path / "tok")
    sample = "The movie was REALLY superb, quite lovely"
    a, b = tok(sample, "a second text")["input_ids"], again(sample, "a second text")["input_ids"]
    assert a == b
    assert a[0] == tok.cls_token_id and a.count(tok.sep_token_id) == 2
    assert tok("UPPER")["input_ids"] == tok("upper")["input_ids"]  # lower-cased, as ALBERT does
    assert (tmp_path / "tok" / "spiece.model").exists()


def test_small_text_gets_the_largest_vocabulary_it_allows(tmp_path):
    tok = train_tokenizer(["ab ba ab"] * 20, tmp_path / "t", vocab_size=8000)
    assert 5 < len(tok) < 100


def test_a_hub_tokenizer_offline_is_named_as_such(monkeypatch, tmp_path):
    """A hub id given as the model to start from or to take a tokenizer from: offline, the message
    says it cannot be downloaded (not "no such folder"), and the Model page's size lookup gives up."""
    from albert_core.model_setup import resolve_init, resolve_tokenizer, tokenizer_size
    from albert_core.runs import ConfigError

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.chdir(tmp_path)  # no local folder of that name
    with pytest.raises(ConfigError, match="offline .*so its tokenizer cannot be downloaded"):
        resolve_tokenizer("albert/albert-base-v2")
    with pytest.raises(ConfigError, match="offline .*so it cannot be downloaded"):
        resolve_init("albert/albert-base-v2")
    assert tokenizer_size("albert/albert-base-v2") is None
    monkeypatch.delenv("HF_HUB_OFFLINE")
    assert resolve_tokenizer("albert/albert-base-v2") == "albert/albert-base-v2"  # online: transformers fetches it
    with pytest.raises(ConfigError, match="no such folder"):
        resolve_tokenizer("./albert-base-v2/x/y")
