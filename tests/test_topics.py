"""Tests for topic detection (:mod:`vaultkit.topics`): communities over links, tags and text.

The synthetic vault has three clusters that a person would name at once: Korean notes on
diffusion models, English notes on CLIP, and cooking notes. Each cluster links to its hub and
shares a tag. Two more clusters have neither links nor tags, only vocabulary (astronomy, sailing),
so only textual similarity can find them. A stray note relates to nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from vaultkit import Vault
from vaultkit.topics import (
    Topic,
    TopicNotFoundError,
    _korean_word,
    describe_notes,
    detect_topics,
    find_topic,
    neighbourhood,
    select_notes,
    topic_of,
)

MakeVault = Callable[..., Path]
OpenVault = Callable[..., Vault]

DIFFUSION = {
    "diffusion/확산 모델.md": (
        "---\ntags: [diffusion]\n---\n# 확산 모델\n"
        "확산 모델은 데이터에 노이즈를 조금씩 더하는 과정을 거꾸로 되돌리도록 학습한다. "
        "[[DDPM]], [[샘플링]], [[노이즈 스케줄]], [[스코어 매칭]]을 보라. 확산 모델의 핵심은 노이즈 제거이다.\n"
    ),
    "diffusion/DDPM.md": (
        "---\ntags: [diffusion]\n---\nDDPM은 확산 모델의 대표적인 방법이다. 노이즈 예측 네트워크를 학습하고 "
        "샘플링에서 노이즈를 조금씩 제거한다. [[확산 모델]]\n"
    ),
    "diffusion/샘플링.md": (
        "---\ntags: [diffusion]\n---\n샘플링은 확산 모델에서 노이즈로부터 이미지를 만드는 단계이다. "
        "DDPM 샘플링은 느리고 DDIM 샘플링은 빠르다. [[확산 모델]] [[DDPM]]\n"
    ),
    "diffusion/노이즈 스케줄.md": (
        "---\ntags: [diffusion]\n---\n노이즈 스케줄은 확산 과정에서 단계마다 노이즈의 양을 정한다. "
        "코사인 스케줄과 선형 스케줄이 있다. [[확산 모델]]\n"
    ),
    "diffusion/스코어 매칭.md": (
        "---\ntags: [diffusion]\n---\n스코어 매칭은 노이즈가 섞인 데이터의 스코어를 학습한다. "
        "확산 모델과 같은 목표이다. [[확산 모델]]\n"
    ),
}
CLIP = {
    "clip/CLIP.md": (
        "---\ntags: [clip]\n---\nCLIP learns a joint embedding of images and captions with a contrastive loss. "
        "See [[Contrastive loss]], [[Zero-shot classification]], [[Image encoder]] and [[Text encoder]].\n"
    ),
    "clip/Contrastive loss.md": (
        "---\ntags: [clip]\n---\nThe contrastive loss pulls matching image and caption embeddings together "
        "and pushes mismatched pairs apart. Used by [[CLIP]].\n"
    ),
    "clip/Zero-shot classification.md": (
        "---\ntags: [clip]\n---\nZero-shot classification compares the image embedding with caption embeddings "
        "of class prompts. [[CLIP]] [[Contrastive loss]]\n"
    ),
    "clip/Image encoder.md": (
        "---\ntags: [clip]\n---\nThe image encoder is a vision transformer that maps an image to an embedding. "
        "[[CLIP]]\n"
    ),
    "clip/Text encoder.md": (
        "---\ntags: [clip]\n---\nThe text encoder is a transformer that maps a caption to an embedding. [[CLIP]]\n"
    ),
}
COOKING = {
    "cooking/Kimchi stew.md": (
        "---\ntags: [cooking]\n---\nKimchi stew: simmer aged kimchi with pork, tofu and onion, season the broth "
        "with gochugaru. See [[Knife skills]], [[Rice]], [[Broth]] and [[Gochujang]].\n"
    ),
    "cooking/Rice.md": "---\ntags: [cooking]\n---\nRinse the rice, soak it, simmer it with water. [[Kimchi stew]]\n",
    "cooking/Knife skills.md": (
        "---\ntags: [cooking]\n---\nDice the onion, slice the pork, cube the tofu for [[Kimchi stew]].\n"
    ),
    "cooking/Broth.md": (
        "---\ntags: [cooking]\n---\nSimmer anchovy and kelp in water for a broth; season it. [[Kimchi stew]]\n"
    ),
    "cooking/Gochujang.md": (
        "---\ntags: [cooking]\n---\nGochujang is a fermented chili paste; season a stew with it. [[Kimchi stew]]\n"
    ),
}
# No links, no tags: only the words say these belong together.
ASTRONOMY = {
    f"misc/astro {i}.md": text
    for i, text in enumerate(
        [
            "The telescope showed the nebula and a comet near the galaxy; the orbit of the comet is long.",
            "A galaxy holds stars and a nebula; a telescope resolves the galaxy spiral arms and the comet tail.",
            "The comet orbit crosses the planet orbit; through the telescope the nebula glows near the galaxy.",
            "Planets orbit stars; the telescope tracks a comet and the nebula inside our galaxy.",
        ]
    )
}
SAILING = {
    f"misc/sail {i}.md": text
    for i, text in enumerate(
        [
            "Trim the mainsail and the jib when the wind shifts; the keel keeps the sloop upright on the tack.",
            "On a close reach the sloop heels; ease the mainsail sheet and steer with the tiller into the wind.",
            "Tack the sloop through the wind: release the jib sheet, push the tiller, trim the mainsail again.",
            "A keel and a tiller make a sloop steady; the jib and mainsail catch the wind on every tack.",
        ]
    )
}
LONER = {"Loner.md": "Quarterly invoices, receipts and tax forms go in the grey filing cabinet.\n"}

VAULT: dict[str, str] = {**DIFFUSION, **CLIP, **COOKING, **ASTRONOMY, **SAILING, **LONER}
CLUSTERS = {
    "diffusion": set(DIFFUSION),
    "clip": set(CLIP),
    "cooking": set(COOKING),
    "astronomy": set(ASTRONOMY),
    "sailing": set(SAILING),
}


class Ctx:
    """What detect_topics needs, from an indexed vault."""

    def __init__(self, vault: Vault) -> None:
        vault.index()
        vault.search("x", limit=1)  # makes sure the search index is current
        self.vault = vault
        self.graph = vault.graph
        self.texts = dict(vault.store.texts())
        self._searcher = vault.search_index.open().searcher()
        self.searcher: Any = self._searcher

    def topics(self, **kwargs: Any) -> list[Topic]:
        kwargs.setdefault("min_size", 3)
        return detect_topics(self.graph, self.texts, self.searcher, **kwargs)

    def close(self) -> None:
        self._searcher.close()
        self.vault.close()


@pytest.fixture
def ctx(make_vault: MakeVault, open_vault: OpenVault) -> Iterator[Ctx]:
    context = Ctx(open_vault(make_vault(VAULT)))
    yield context
    context.close()


def by_cluster(topics: list[Topic]) -> dict[str, Topic]:
    """The topic holding each cluster (fails when a cluster is split or mixed with another)."""
    out: dict[str, Topic] = {}
    for name, members in CLUSTERS.items():
        holders = [t for t in topics if members & set(t.notes)]
        assert len(holders) == 1, f"{name} is split over {[t.notes for t in holders]}"
        assert set(holders[0].notes) == members, f"{name}: {holders[0].notes}"
        out[name] = holders[0]
    return out


# ---------------------------------------------------------------------------------------------------------
# communities
# ---------------------------------------------------------------------------------------------------------


def test_clusters_are_found(ctx: Ctx) -> None:
    topics = ctx.topics()
    found = by_cluster(topics)
    assert len(topics) == 5
    assert "Loner.md" not in topic_of(topics)  # an orphan with nothing in common is in no topic
    assert all(t.size == len(CLUSTERS[name]) for name, t in found.items())


def test_text_alone_finds_topics(ctx: Ctx) -> None:
    """Astronomy and sailing notes have no links or tags: text similarity puts them together."""
    found = by_cluster(ctx.topics())
    assert found["astronomy"].size == 4 and found["sailing"].size == 4
    without_text = detect_topics(ctx.graph, ctx.texts, None, min_size=3)
    assert not set(ASTRONOMY) & set(topic_of(without_text))
    assert not set(SAILING) & set(topic_of(without_text))


def test_labels_name_the_topic_in_korean_and_english(ctx: Ctx) -> None:
    found = by_cluster(ctx.topics())
    diffusion = found["diffusion"]
    assert diffusion.tags == ("diffusion",)
    assert diffusion.label.startswith("#diffusion · ")
    assert {"확산", "노이즈"} & set(diffusion.terms), diffusion.terms
    assert "clip" in found["clip"].tags
    assert {"embedding", "contrastive", "caption", "image", "encoder"} & {t.lower() for t in found["clip"].terms}
    assert {"simmer", "kimchi", "stew", "tofu", "onion", "pork"} & {t.lower() for t in found["cooking"].terms}
    assert {"comet", "nebula", "galaxy", "telescope", "orbit"} & set(found["astronomy"].terms)
    assert {"sloop", "mainsail", "tiller", "jib", "keel", "tack"} & set(found["sailing"].terms)
    for topic in found.values():
        assert 1 <= len(topic.terms) <= 3
        assert len({t.casefold() for t in topic.terms}) == len(topic.terms)
        assert all(len(t) >= 2 for t in topic.terms)
        # the label's tag is not repeated as a term
        assert not {t.casefold() for t in topic.tags} & {t.casefold() for t in topic.terms}


def test_korean_terms_are_whole_words(ctx: Ctx) -> None:
    """Index bigrams are shown as the word they come from, not as fragments (``델은``, ``산모``)."""
    diffusion = by_cluster(ctx.topics())["diffusion"]
    text = "\n".join(ctx.texts[p] for p in diffusion.notes)
    words = set(re.findall(r"[\uac00-\ud7a3]+", text))
    for term in diffusion.terms:
        if re.search(r"[\uac00-\ud7a3]", term):
            # a word as written, or a word with a particle cut off
            assert term in words or any(w.startswith(term) and len(w) - len(term) <= 2 for w in words), term


def test_korean_word_reconstruction() -> None:
    text = "확산모델은 잘 된다. 확산모델을 쓴다. 확산모델의 원리. 모델은 크다."
    assert _korean_word("산모", text) == "확산모델"
    assert _korean_word("델을", text) == "확산모델"  # particle cut off
    assert _korean_word("확산", "확산은 느리다. 확산이 빠르다. 확산을 본다.") == "확산"
    assert _korean_word("고양", "고양이가 잔다. 고양이는 귀엽다. 고양이를 본다.") == "고양이"
    assert _korean_word("없음", "영어만 있다") == "없음"


def test_hubs_are_the_most_linked_notes(ctx: Ctx) -> None:
    found = by_cluster(ctx.topics())
    assert found["diffusion"].hubs[0] == "diffusion/확산 모델.md"
    assert found["clip"].hubs[0] == "clip/CLIP.md"
    assert found["cooking"].hubs[0] == "cooking/Kimchi stew.md"
    for topic in found.values():
        assert topic.notes[: len(topic.hubs)] == topic.hubs  # hubs first
        assert set(topic.hubs) <= set(topic.notes)
        assert sorted(topic.notes[len(topic.hubs) :]) == list(topic.notes[len(topic.hubs) :])


def test_neighbours_follow_links_between_topics(make_vault: MakeVault, open_vault: OpenVault) -> None:
    files = dict(VAULT)
    files["clip/Image encoder.md"] += "Image encoders are also used in [[DDPM]] and [[샘플링]].\n"
    context = Ctx(open_vault(make_vault(files)))
    try:
        topics = context.topics()
        found = by_cluster(topics)
        clip, diffusion, cooking = found["clip"], found["diffusion"], found["cooking"]
        assert clip.neighbors and clip.neighbors[0][0] == diffusion.id
        assert dict(diffusion.neighbors)[clip.id] == dict(clip.neighbors)[diffusion.id] > 0
        assert (
            diffusion.id not in dict(cooking.neighbors)
            or dict(cooking.neighbors)[diffusion.id] < dict(clip.neighbors)[diffusion.id]
        )
        weights = [w for _, w in clip.neighbors]
        assert weights == sorted(weights, reverse=True)
    finally:
        context.close()


# ---------------------------------------------------------------------------------------------------------
# determinism and stable ids
# ---------------------------------------------------------------------------------------------------------


def test_deterministic(ctx: Ctx) -> None:
    assert ctx.topics() == ctx.topics()


def test_deterministic_across_index_rebuilds(make_vault: MakeVault, open_vault: OpenVault) -> None:
    root = make_vault(VAULT)
    first, second = Ctx(open_vault(root, index="a")), Ctx(open_vault(root, index="b"))
    try:
        assert first.topics() == second.topics()
    finally:
        first.close()
        second.close()


def test_ids_survive_unrelated_changes(make_vault: MakeVault, open_vault: OpenVault) -> None:
    before = Ctx(open_vault(make_vault(VAULT, name="before")))
    files = {
        **VAULT,
        "cooking/Tofu.md": "---\ntags: [cooking]\n---\nPress the tofu, cube it, add it to the stew. [[Kimchi stew]]\n",
        "Another loner.md": "Nothing to see.\n",
    }
    after = Ctx(open_vault(make_vault(files, name="after"), index="after"))
    try:
        old, new = by_cluster(before.topics()), {t.hubs[0]: t for t in after.topics()}
        for name in ("diffusion", "clip", "astronomy", "sailing"):
            assert new[old[name].hubs[0]].id == old[name].id
        assert new["cooking/Kimchi stew.md"].id == old["cooking"].id  # same hub, one more note
        assert "cooking/Tofu.md" in new["cooking/Kimchi stew.md"].notes
    finally:
        before.close()
        after.close()


def test_ordering_and_id_shape(ctx: Ctx) -> None:
    topics = ctx.topics()
    assert [(-t.size, t.id) for t in topics] == sorted((-t.size, t.id) for t in topics)
    assert all(re.fullmatch(r"t-[0-9a-f]{6,}", t.id) for t in topics)
    assert len({t.id for t in topics}) == len(topics)
    notes = [p for t in topics for p in t.notes]
    assert len(notes) == len(set(notes))  # a note is in one topic at most


# ---------------------------------------------------------------------------------------------------------
# options
# ---------------------------------------------------------------------------------------------------------


def test_min_size(ctx: Ctx) -> None:
    assert ctx.topics(min_size=6) == []
    assert len(ctx.topics(min_size=5)) == 3  # the three 5-note clusters
    assert all(t.size >= 4 for t in ctx.topics(min_size=4))
    singles = ctx.topics(min_size=1)
    assert "Loner.md" in topic_of(singles)  # min_size=1 keeps singletons


def test_resolution(make_vault: MakeVault, open_vault: OpenVault) -> None:
    files = dict(VAULT)
    files["clip/Image encoder.md"] += "Image encoders are also used in [[DDPM]] and [[샘플링]].\n"
    context = Ctx(open_vault(make_vault(files)))
    try:
        coarse = context.topics(resolution=0.05)
        default = context.topics()
        fine = context.topics(resolution=8.0, min_size=1)
        assert len(coarse) < len(default) < len(fine)
        merged = next(t for t in coarse if "clip/CLIP.md" in t.notes)
        assert set(DIFFUSION) | set(CLIP) <= set(merged.notes)  # linked clusters merge at a low resolution
        assert max(t.size for t in fine) < 5  # and split at a high one
    finally:
        context.close()


def test_folder(ctx: Ctx) -> None:
    topics = ctx.topics(folder="clip")
    assert len(topics) == 1 and set(topics[0].notes) == set(CLIP)
    assert ctx.topics(folder="clip/") == topics
    assert ctx.topics(folder="CLIP") == topics  # folders compare case-insensitively, like Obsidian links
    assert ctx.topics(folder="cli") == []  # a folder, not a name prefix
    both = ctx.topics(folder="misc")
    assert {frozenset(t.notes) for t in both} == {frozenset(ASTRONOMY), frozenset(SAILING)}


def test_tag(ctx: Ctx) -> None:
    topics = ctx.topics(tag="#cooking")
    assert len(topics) == 1 and set(topics[0].notes) == set(COOKING)
    assert topics[0].tags == ()  # the tag every note was chosen for says nothing
    assert "#cooking" not in topics[0].label
    assert ctx.topics(tag="Cooking") == topics
    assert ctx.topics(tag="nosuchtag") == []


def test_child_tags_count(make_vault: MakeVault, open_vault: OpenVault) -> None:
    files = {
        f"n{i}.md": f"---\ntags: [{'lang/python' if i % 2 else 'lang'}]\n---\nSee [[n{(i + 1) % 4}]].\n"
        for i in range(4)
    }
    files["other.md"] = "---\ntags: [language]\n---\nNot a child tag. [[n0]]\n"
    context = Ctx(open_vault(make_vault(files)))
    try:
        assert select_notes(context.graph, tag="lang") == ["n0.md", "n1.md", "n2.md", "n3.md"]
        assert select_notes(context.graph, tag="lang/python") == ["n1.md", "n3.md"]
        topics = context.topics(tag="lang", min_size=2)
        assert {p for t in topics for p in t.notes} == {"n0.md", "n1.md", "n2.md", "n3.md"}
    finally:
        context.close()


def test_without_searcher_links_and_tags_still_work(ctx: Ctx) -> None:
    topics = detect_topics(ctx.graph, ctx.texts, None, min_size=3)
    assert {frozenset(t.notes) for t in topics} == {frozenset(DIFFUSION), frozenset(CLIP), frozenset(COOKING)}
    clip = next(t for t in topics if "clip/CLIP.md" in t.notes)
    assert clip.terms == () and clip.label == "#clip · CLIP"  # tag and the top hub's name


def test_text_weight_zero_is_links_and_tags_only(ctx: Ctx) -> None:
    topics = ctx.topics(text_weight=0)
    assert {frozenset(t.notes) for t in topics} == {frozenset(DIFFUSION), frozenset(CLIP), frozenset(COOKING)}
    assert all(t.terms for t in topics)  # the searcher still gives the labels


def test_tags_alone_make_topics(make_vault: MakeVault, open_vault: OpenVault) -> None:
    """Notes sharing a rare tag end up together even without links or common words."""
    files = {f"a{i}.md": f"---\ntags: [alpha]\n---\nword{i} thing{i}\n" for i in range(3)}
    files |= {f"b{i}.md": f"---\ntags: [beta]\n---\nstuff{i} item{i}\n" for i in range(3)}
    files |= {f"c{i}.md": f"filler{i}\n" for i in range(4)}
    context = Ctx(open_vault(make_vault(files)))
    try:
        topics = context.topics()
        assert {frozenset(t.notes) for t in topics} == {
            frozenset({"a0.md", "a1.md", "a2.md"}),
            frozenset({"b0.md", "b1.md", "b2.md"}),
        }
    finally:
        context.close()


def test_empty_and_unknown(ctx: Ctx) -> None:
    assert ctx.topics(folder="nowhere") == []
    assert detect_topics(ctx.graph.subgraph([]).copy(), {}, None) == []


# ---------------------------------------------------------------------------------------------------------
# lookups and helpers
# ---------------------------------------------------------------------------------------------------------


def test_find_topic(ctx: Ctx) -> None:
    topics = ctx.topics()
    clip = by_cluster(topics)["clip"]
    assert find_topic(topics, clip.id) is clip
    assert find_topic(topics, clip.id[2:]) is clip  # without "t-"
    assert find_topic(topics, clip.id[:6]) is clip or len({t.id[:6] for t in topics}) < len(topics)
    assert find_topic(topics, str(topics.index(clip) + 1)) is clip  # 1-based number
    assert find_topic(topics, "clip/CLIP.md") is clip  # a hub's path
    assert find_topic(topics, "clip/clip") is clip
    with pytest.raises(TopicNotFoundError, match="no topic"):
        find_topic(topics, "t-zzzzzz")
    with pytest.raises(TopicNotFoundError):
        find_topic(topics, "99")


def test_as_dict_is_json(ctx: Ctx) -> None:
    data = [t.as_dict() for t in ctx.topics()]
    again = json.loads(json.dumps(data, ensure_ascii=False))
    assert again == data
    assert {"id", "label", "size", "terms", "tags", "hubs", "notes", "neighbors"} <= set(data[0])


def test_describe_notes(ctx: Ctx) -> None:
    topic = describe_notes(ctx.graph, ctx.texts, ctx.searcher, list(COOKING))
    assert topic is not None
    assert set(topic.notes) == set(COOKING) and topic.hubs[0] == "cooking/Kimchi stew.md"
    assert "#cooking" in topic.label
    assert describe_notes(ctx.graph, ctx.texts, ctx.searcher, ["nope.md"]) is None


def test_neighbourhood(ctx: Ctx) -> None:
    around = neighbourhood(ctx.graph, ctx.texts, None, "clip/Text encoder.md", depth=1)
    assert around == ["clip/Text encoder.md", "clip/CLIP.md"]
    two = neighbourhood(ctx.graph, ctx.texts, None, "clip/Text encoder.md", depth=2)
    assert two[0] == "clip/Text encoder.md" and set(two) == set(CLIP)
    # with text, a note without links still has neighbours
    astro = neighbourhood(ctx.graph, ctx.texts, ctx.searcher, "misc/astro 0.md", depth=1)
    assert astro[0] == "misc/astro 0.md" and set(astro[1:]) & set(ASTRONOMY)
    assert not set(astro) & set(SAILING)
    assert neighbourhood(ctx.graph, ctx.texts, None, "missing.md") == []
