"""Language models against their oracles: ln(V) before training, the causal mask by
construction, attention by hand, a masked model's loss, tokenizers' round trips, sampling's
rules, the KV cache, the logit lens."""

import hashlib
import math
import os
import random
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from playground.tasks.language import corpora, data, inside, training
from playground.tasks.language.model import Cache, build
from playground.tasks.language.recipe import LanguageConfig
from playground.tasks.language.sampling import distribution, generate
from playground.tasks.language.specs import GPTSpec
from playground.tasks.language.tokens import MASK, BPETokenizer, CharTokenizer, Tokenizer

SHIPPED = ["shakespeare", "names", "tang7", "tang5"]
SMALL = GPTSpec(layers=2, heads=2, width=32, context=16)


@pytest.fixture(scope="module")
def text_dir() -> Path:
    folder = os.environ.get("PLAYGROUND_TEXT_DIR")
    if folder and Path(folder).is_dir():
        return Path(folder)
    message = "the text corpora are needed: set PLAYGROUND_TEXT_DIR to their folder"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def test_the_shipped_corpora_are_the_shared_texts(text_dir):
    sources = {
        "shakespeare": "tinyshakespeare.txt",
        "names": "names.txt",
        "tang7": "tang_quatrains_7.txt",
        "tang5": "tang_quatrains_5.txt",
    }
    for name, file in sources.items():
        shipped = corpora.text_of(name)
        source = (text_dir / file).read_text("utf-8")
        if corpora.CORPORA[name].shuffled:  # the same lines, in the one order of SHUFFLE_SEED
            assert sorted(shipped.splitlines()) == sorted(source.splitlines()), name
            continue
        assert (
            hashlib.sha256(shipped.encode()).digest() == hashlib.sha256(source.encode()).digest()
        ), name


@pytest.mark.parametrize("name", SHIPPED)
def test_the_loss_before_training_is_ln_of_the_vocabulary(name):
    config = LanguageConfig(corpus=name, batch_size=8)
    text = data.load(config, masked=False)
    spec = GPTSpec(context=64)
    torch.manual_seed(0)
    model = build(spec, text.tokenizer.size)
    loss, _ = training.evaluate(model, text, config, batches=4)
    assert loss == pytest.approx(math.log(text.tokenizer.size), abs=0.15)


def model_of(spec: GPTSpec = SMALL, vocab: int = 20, seed: int = 0):
    torch.manual_seed(seed)
    return build(spec, vocab).eval()


def test_with_the_causal_mask_no_output_sees_a_later_token():
    model = model_of()
    x = torch.randint(0, 20, (1, 16))
    for t in range(15):
        changed = x.clone()
        changed[0, t + 1 :] = (changed[0, t + 1 :] + 1) % 20
        with torch.no_grad():
            a, b = model(x), model(changed)
        assert torch.equal(a[0, : t + 1], b[0, : t + 1]), t
    blind = model_of(GPTSpec(**{**SMALL.to_dict(), "causal": False}))
    changed = x.clone()
    changed[0, -1] = (changed[0, -1] + 1) % 20
    with torch.no_grad():
        assert not torch.allclose(blind(x)[0, 0], blind(changed)[0, 0])


@pytest.mark.parametrize("norm", ["pre", "post", "none"])
def test_a_heads_attention_is_softmax_of_qk_over_root_d_with_the_mask(norm):
    model = model_of(GPTSpec(**{**SMALL.to_dict(), "norm": norm}))
    idx = torch.randint(0, 20, (1, 16))
    block = model.blocks[0]
    x = model.embed(idx)
    with torch.no_grad():
        weights = inside.attention_of(block, x, causal=True)  # (1, nh, T, T)
        h = block.ln1(x) if norm != "post" else x
        q, k, v = block.attn.split(h)
        fast = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    hand = torch.softmax(
        (q @ k.transpose(-2, -1)) / math.sqrt(q.shape[-1])
        + torch.full((16, 16), float("-inf")).triu(1),
        dim=-1,
    )
    torch.testing.assert_close(weights, hand)
    torch.testing.assert_close(weights.sum(-1), torch.ones(1, 2, 16))
    torch.testing.assert_close(weights @ v, fast, atol=1e-6, rtol=1e-5)


def test_a_masked_model_scores_only_the_hidden_tokens_and_sees_both_sides():
    spec = GPTSpec(**{**SMALL.to_dict(), "objective": "masked"})
    model = model_of(spec, vocab=21)
    x = torch.randint(0, 20, (4, 16))
    config = LanguageConfig(mask_share=0.25)
    generator = torch.Generator().manual_seed(3)
    loss, _, counted = training.loss_of(model, x, x, config, generator, mask_id=20)
    inputs, targets = training.masked(x, 0.25, 20, torch.Generator().manual_seed(3))
    hidden = targets != -100
    assert torch.equal(inputs[hidden], torch.full_like(inputs[hidden], 20))
    assert torch.equal(inputs[~hidden], x[~hidden]) and counted == hidden.sum()
    logits = model(inputs)
    by_hand = F.cross_entropy(logits[hidden], x[hidden])
    torch.testing.assert_close(loss, by_hand)
    changed = x.clone()
    changed[0, -1] = (changed[0, -1] + 1) % 20
    with torch.no_grad():
        assert not torch.allclose(model(x)[0, 0], model(changed)[0, 0])  # the last, seen first


def _random_text(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


@pytest.mark.parametrize("name", SHIPPED)
def test_tokenizers_give_every_corpus_back_exactly(name):
    text = corpora.text_of(name)
    piece = text[:20_000]
    chars = CharTokenizer.of(text)
    assert chars.decode(chars.encode(piece)) == piece
    bpe = data.tokenizer_for(text, "bpe", 512, False)
    assert bpe.decode(bpe.encode(piece)) == piece and bpe.size == 512
    again = Tokenizer.from_json(bpe.to_json())
    assert again.encode(piece) == bpe.encode(piece)
    spans = bpe.spans(piece[:300])
    assert "".join(s.text for s in spans) == piece[:300]


def test_byte_pair_encoding_gives_any_unicode_back_and_honours_its_size():
    rng = random.Random(0)
    lines = [_random_text(rng, "abcdefgh 天地人日月\n", 200) for _ in range(50)]
    for size in (300, 400):
        bpe = BPETokenizer.train(lines, size)
        assert bpe.size == size
        for _ in range(20):
            odd = "".join(chr(rng.randint(32, 0x2FFFF)) for _ in range(30))
            odd = odd.encode("utf-8", "ignore").decode("utf-8")  # no lone surrogates
            assert bpe.decode(bpe.encode(odd)) == odd
    masked = BPETokenizer.train(lines, 300, masked=True)
    assert masked.mask_id is not None and masked.vocab[masked.mask_id] == MASK


def test_a_character_the_model_has_never_seen_is_a_sentence():
    chars = CharTokenizer.of("abc")
    with pytest.raises(Exception, match="never seen"):
        chars.encode("abz")


def test_sampling_rules():
    logits = torch.tensor([2.0, 1.0, 0.5, 0.0, -1.0])
    assert distribution(logits, 1e-6, 0, 1.0).argmax() == 0
    assert distribution(logits, 1e-6, 0, 1.0).max() == 1.0
    top2 = distribution(logits, 1.0, 2, 1.0)
    assert (top2[2:] == 0).all() and top2[:2].sum() == pytest.approx(1.0)
    full = torch.softmax(logits, 0)
    nucleus = distribution(logits, 1.0, 0, 0.7)
    kept = nucleus > 0
    assert full[kept].sum() >= 0.7 and full[kept][:-1].sum() < 0.7  # the smallest set
    model = model_of(vocab=20)
    chars = CharTokenizer(tuple("abcdefghijklmnopqrst"))

    def text(seed, cached=True, **kw):
        return "".join(
            d.text for d in generate(model, chars, [0, 1], 40, seed=seed, cached=cached, **kw)
        )

    assert text(5) == text(5) and text(5) != text(6)
    assert text(5) == text(5, cached=False)
    assert text(7, top_k=3) == text(7, top_k=3, cached=False)
    greedy = "".join(d.text for d in generate(model, chars, [0], 10, temperature=0.0))
    with torch.no_grad():
        ids = [0]
        for _ in range(10):
            ids.append(int(model(torch.tensor([ids[-16:]]))[0, -1].argmax()))
    assert greedy == chars.decode(ids[1:])


def test_top_k_never_draws_outside_the_k_likeliest():
    model = model_of(vocab=20)
    chars = CharTokenizer(tuple("abcdefghijklmnopqrst"))
    for drawn in generate(model, chars, [3], 60, top_k=3, seed=1):
        assert drawn.text in [t for t, _ in drawn.top[:3]]


def test_the_cache_gives_the_same_logits_as_the_whole_window():
    model = model_of()
    x = torch.randint(0, 20, (1, 16))
    with torch.no_grad():
        whole = model(x)
        cache = Cache()
        parts = [model(x[:, :5], cache)] + [model(x[:, i : i + 1], cache) for i in range(5, 16)]
    torch.testing.assert_close(torch.cat(parts, 1), whole, atol=1e-5, rtol=1e-5)


def test_the_logit_lens_at_the_last_layer_is_the_models_output():
    model = model_of()
    ids = torch.randint(0, 20, (16,)).tolist()
    chars = CharTokenizer(tuple("abcdefghijklmnopqrst"))
    found = inside.look(model, ids, chars.decode)
    with torch.no_grad():
        out = model(torch.tensor([ids]))[0]
    torch.testing.assert_close(found.logits, out)
    assert found.lens[-1] == tuple(chars.decode([int(i)]) for i in out.argmax(-1))
    assert found.attention.shape == (2, 2, 16, 16) and len(found.surprise) == 15
    assert inside.embeddings_2d(model).shape == (20, 2)


def test_head_patterns_are_named_from_their_weights():
    t = 12
    previous = torch.zeros(t, t)
    previous[0, 0] = 1
    for i in range(1, t):
        previous[i, i - 1] = 1
    assert inside.pattern_of(previous) == "previous"
    assert inside.pattern_of(torch.eye(t)) == "same"
    first = torch.zeros(t, t)
    first[:, 0] = 1
    assert inside.pattern_of(first) == "first"
    spread = torch.ones(t, t).tril()
    assert inside.pattern_of(spread / spread.sum(-1, keepdim=True)) == "spread"


def test_a_corpus_of_one_item_a_line_is_shuffled_once_before_the_split():
    """Issue 34, item 18: names-tiny wrote names in alphabetical runs and validated on the end
    of the alphabet: the file is partly sorted. Its lines are shuffled, always the same way."""
    import itertools

    from playground.tasks.language import corpora

    text = corpora.text_of("names")
    lines = text.splitlines()
    assert len(lines) == 32_033 and text.endswith("\n")
    _train, val = corpora.split(text)
    firsts = {name[0] for name in val.splitlines()}
    assert len(firsts) >= 20  # names from across the alphabet validate
    in_order = sum(a <= b for a, b in itertools.pairwise(lines))
    assert in_order < 0.6 * len(lines)  # not in runs
    assert corpora.text_of.__wrapped__("names") == text  # the same order every time
    assert corpora.CORPORA["names"].note and not corpora.CORPORA["shakespeare"].note
