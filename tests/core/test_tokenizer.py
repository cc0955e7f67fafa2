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
