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


def test_too_few_pieces_for_the_texts_characters_asks_for_more(tmp_path):
    from albert_core.tokenizer import TokenizerError

    texts = [f"the quick brown fox jumps over the lazy dog {i}" for i in range(200)]
    with pytest.raises(TokenizerError, match=r"cannot hold the \d+ characters .*choose a vocabulary of more than"):
        train_tokenizer(texts, vocab_size=5)


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


def test_rare_ascii_characters_are_never_unknown(tmp_path):
    """SentencePiece drops the rarest characters (coverage 99.95%) to <unk>; a percent sign or a
    dollar met once in a large text must still be a piece, or the model cannot tell them apart."""
    import random

    rng = random.Random(0)
    words = ["".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(3, 8))) for _ in range(400)]
    texts = [" ".join(rng.choices(words, k=12)) for _ in range(3000)] + ["it costs $ 5 , or 50 % less / more"]
    texts += [f"{rng.choice(words)} — {rng.choice(words)}" for _ in range(100)]  # rare, but not too rare to keep
    tok = train_tokenizer(texts, tmp_path / "tok", vocab_size=300)
    ids = tok("prices in $ , % or /", add_special_tokens=False)["input_ids"]
    assert tok.unk_token_id not in ids
    for c in "$%/—":  # the ASCII ones kept, and not at the cost of a character kept without them
        assert tok.convert_tokens_to_ids(c) != tok.unk_token_id, c
    # a vocabulary too small to hold every character keeps SentencePiece's own choice
    assert len(train_tokenizer(texts, vocab_size=40)) == 40


def test_a_large_text_is_sampled_from_end_to_end():
    """Over max_sentences, the sentences are drawn from the whole text, not its first part: a
    word only the later half uses still gets a piece of its own."""
    import random

    from albert_core.tokenizer import sample_sentences

    rng = random.Random(0)
    a, b = (
        ["".join(rng.choices(letters, k=rng.randint(4, 7))) for _ in range(40)]
        for letters in ("abcdefghijklm", "nopqrstuvwxyz")
    )
    first = [" ".join(rng.choices(a, k=10)) for _ in range(600)]
    later = [" ".join(rng.choices(b, k=10)) for _ in range(600)]
    tok = train_tokenizer(first + later, vocab_size=150, max_sentences=500)
    assert all(len(tok.tokenize(w)) == 1 for w in a + b)  # the first 500 sentences alone hold no word of b
    picked = sample_sentences(first + later, 300, seed=1)
    assert len(picked) == 300 and 100 < sum(s in later for s in picked) < 200
    assert picked == sample_sentences(first + later, 300, seed=1)  # the same for a seed
    assert sample_sentences(["B", " ", "a"], 5) == ["b", "a"]  # all of a small text, in order


def test_no_piece_is_spent_on_what_the_tokenizer_never_meets(tmp_path):
    """The tokenizer strips accents and reads `` and '' as " before it cuts a text. Trained on
    the raw text, the vocabulary got pieces such as "é" and "``" that no input ever reaches."""
    from albert_core.tokenizer import normal_form

    rows = [t for t, _ in sentiment_rows(300)]
    quoted = [f"the café critic called it ``{w}'' in the naïve review" for w in ("grand", "fine", "bold")]
    tok = train_tokenizer(rows + quoted * 40, tmp_path / "tok", vocab_size=300)
    pieces = [p for p in tok.get_vocab() if p not in SPECIALS]
    unreachable = [p for p in pieces if p.replace("▁", "") != normal_form(p.replace("▁", ""))]
    assert unreachable == [], unreachable
    ids = tok('The Café critic said "fine"')["input_ids"]
    assert tok.unk_token_id not in ids
    assert tok.decode(ids, skip_special_tokens=True) == 'the cafe critic said "fine"'
    # the form the tokenizer itself gives a text before cutting it
    assert normal_form("Naïve ``Café'' ÉTÉ") == 'naive "cafe" ete'
    assert tok.backend_tokenizer.normalizer.normalize_str("Naïve ``Café'' ÉTÉ") == 'naive "cafe" ete'


def test_long_lines_without_full_stops_are_trained_on(tmp_path):
    """SentencePiece silently leaves out every training sentence over 4,192 bytes. A text of such
    lines (a list, a language written without full stops, a document on one line) trained a
    tokenizer on nothing of them, or failed with SentencePiece's own internal error. They are
    cut at spaces into parts it takes."""
    import random

    from albert_core.tokenizer import MAX_TRAIN_CHARS, short_parts

    rng = random.Random(0)
    words = ["".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(4, 8))) for _ in range(150)]
    lines = [" ".join(rng.choices(words, k=1200)) for _ in range(20)]  # about 7,000 characters each
    tok = train_tokenizer(lines, tmp_path / "tok", vocab_size=300)
    assert sum(len(tok.tokenize(w)) == 1 for w in words) > 100  # most words became pieces of their own
    parts = list(short_parts(lines[0]))
    assert " ".join(parts) == lines[0] and max(map(len, parts)) <= MAX_TRAIN_CHARS
    assert list(short_parts("x" * 2500)) == ["x" * 1000, "x" * 1000, "x" * 500]  # no space: cut at the limit
