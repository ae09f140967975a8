"""Workplace search: ranking, tolerance and an index that follows every write, on SQLite and
PostgreSQL; the join form, the founding lookup and `doanvien search` use it."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from stdnum.vn import mst as vn_mst

from bot.cli import main
from models import Enterprise, Role, Unit, UnitKind
from models.db import create_engine, create_session_factory
from models.migrate import upgrade_async
from services import search
from services.founding import enterprises_to_found
from services.people import get_or_create_person
from services.register_import import import_enterprises
from services.search import search_enterprises, tax_code_prefix
from services.validation import normalize_search_key
from tests.conftest import World, sqlite_url, t
from tests.journeys import reach
from tests.test_leads import enterprises_without_union, give_role


def tax_codes(prefix: str, count: int) -> list[str]:
    """Well-formed tax codes starting with `prefix` (some bodies have no check digit)."""
    bodies = (f"{prefix}{n:0{9 - len(prefix)}d}" for n in range(1, 10 ** (9 - len(prefix))))
    checked = ((body, vn_mst.calc_check_digit(body)) for body in bodies)
    return [body + check for body, check in checked if len(check) == 1][:count]


A, B, D, E, F = tax_codes("01099900", 5)
# name, tax code, workers, ward (1 or 2)
REGISTER = [
    ("Công ty TNHH Gốm sứ Bát Tràng Xanh", A, 50, 1),
    ("Công ty TNHH Gốm sứ Bát Tràng", B, 10, 2),
    ("Chi nhánh Công ty TNHH Gốm sứ Bát Tràng", f"{B}-001", 300, 2),
    ("Công ty Cổ phần Gốm sứ Minh Long", D, 900, 1),
    ("Hợp tác xã Gốm sứ Phù Lãng", E, 5, 2),
]
Factory = async_sessionmaker[AsyncSession]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, db_path: Path) -> str:
    """The demo database (SQLite), or an empty PostgreSQL one."""
    return sqlite_url(db_path) if request.param == "sqlite" else request.getfixturevalue("pg_url")


@pytest.fixture
async def factory(database_url: str) -> AsyncIterator[Factory]:
    """The register above, with two wards of its own, on SQLite and on PostgreSQL."""
    async for made in registered(database_url):
        yield made


@pytest.fixture
async def lite(db_path: Path) -> AsyncIterator[Factory]:
    """The register above on SQLite only (the cases that do not depend on the backend)."""
    async for made in registered(sqlite_url(db_path)):
        yield made


async def registered(url: str) -> AsyncIterator[Factory]:
    await upgrade_async(url)
    engine = create_engine(url)
    made = create_session_factory(engine)
    async with made.begin() as session:
        root = Unit(code="T", name="LĐLĐ thử", kind=UnitKind.DISTRICT_FEDERATION, search_key="t")
        session.add(root)
        await session.flush()
        wards = [
            Unit(code=f"T-W{n}", name=f"Phường {n}", kind=UnitKind.WARD_UNION, parent_id=root.id)
            for n in (1, 2)
        ]
        session.add_all(wards)
        await session.flush()
        for name, code, workers, ward in REGISTER:
            session.add(enterprise(name, code, workers, wards[ward - 1].id))
    yield made
    await engine.dispose()


def enterprise(name: str, code: str | None, workers: int, ward: int | None) -> Enterprise:
    key = normalize_search_key(name)
    return Enterprise(
        name=name, tax_code=code, search_key=key, employees=workers, ward_unit_id=ward
    )


async def names(factory: Factory, query: str, near: str | None = None) -> list[str]:
    async with factory() as session:
        units = [] if near is None else [await ward_id(session, near)]
        return [e.name for e in await search_enterprises(session, query, near=units)]


async def ward_id(session: AsyncSession, code: str) -> int:
    unit = await session.scalar(select(Unit.id).where(Unit.code == code))
    assert unit is not None
    return unit


GOM_SU_BY_WORKERS = [
    "Công ty Cổ phần Gốm sứ Minh Long",
    "Chi nhánh Công ty TNHH Gốm sứ Bát Tràng",
    "Công ty TNHH Gốm sứ Bát Tràng Xanh",
    "Công ty TNHH Gốm sứ Bát Tràng",
    "Hợp tác xã Gốm sứ Phù Lãng",
]


async def test_ranking(factory: Factory) -> None:
    # By workers; at most `limit`.
    assert await names(factory, "gốm sứ") == GOM_SU_BY_WORKERS
    async with factory() as session:
        assert len(await search_enterprises(session, "gom su", limit=2)) == 2
    # The exact name first.
    assert await names(factory, "Công ty TNHH Gốm sứ Bát Tràng") == [
        "Công ty TNHH Gốm sứ Bát Tràng",
        "Chi nhánh Công ty TNHH Gốm sứ Bát Tràng",
        "Công ty TNHH Gốm sứ Bát Tràng Xanh",
    ]
    # The person's ward before bigger enterprises.
    assert await names(factory, "gốm sứ", near="T-W2") == [
        "Chi nhánh Công ty TNHH Gốm sứ Bát Tràng",
        "Công ty TNHH Gốm sứ Bát Tràng",
        "Hợp tác xã Gốm sứ Phù Lãng",
        "Công ty Cổ phần Gốm sứ Minh Long",
        "Công ty TNHH Gốm sứ Bát Tràng Xanh",
    ]
    # A name that repeats a word is still an exact name.
    async with factory.begin() as session:
        session.add(enterprise("Công ty TNHH Gốm sứ Gốm sứ", None, 1, None))
    assert (await names(factory, "công ty tnhh gốm sứ gốm sứ"))[0] == "Công ty TNHH Gốm sứ Gốm sứ"
    # Diacritics and a slip.
    assert (await names(factory, "cong ty tnhh gom su bat trag"))[0] == GOM_SU_BY_WORKERS[3]
    # Tax codes, with and without the branch.
    head, branch = "Công ty TNHH Gốm sứ Bát Tràng", "Chi nhánh Công ty TNHH Gốm sứ Bát Tràng"
    assert await names(factory, B) == [head, branch]
    assert await names(factory, f"{B}-001") == [branch]
    assert await names(factory, f"{B}001") == [branch]
    assert await names(factory, f"{B[:4]} {B[4:]}-") == [branch]
    assert await names(factory, "01099900") == GOM_SU_BY_WORKERS  # not the one without a code
    assert await names(factory, "01099901") == []
    assert tax_code_prefix("gốm 01") is None
    # No hit.
    assert await names(factory, "thực phẩm sao mai") == []
    assert await names(factory, "gốm sứ xyzzyq") == []  # a word too far from every word
    assert await names(factory, "  ,. ") == []


async def test_common_words_are_checked_on_rows_with_the_same_answer(
    factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "COMMON_SHARE", 0)  # every word is common
    assert await names(factory, "công ty gốm sứ") == GOM_SU_BY_WORKERS[:4]
    assert await names(factory, "công ty gốm sứ xanh") == [GOM_SU_BY_WORKERS[2]]
    assert (await names(factory, "công ty tnhh gốm", near="T-W2"))[:2] == [
        "Chi nhánh Công ty TNHH Gốm sứ Bát Tràng",
        "Công ty TNHH Gốm sứ Bát Tràng",
    ]
    assert await names(factory, "công ty gốm sứ phù lãng") == []


# (query, ward first): rarer words that meet, a slip, common words, alternatives alone.
STRATEGY_QUERIES = [
    ("gốm sứ", None),
    ("gom su bat trang", None),
    ("gốm sứ", "T-W2"),
    ("gom su bat trang", "T-W1"),
    ("công ty gốm sứ", None),
    ("công ty tnhh gốm sứ bát", "T-W2"),
    ("bát trànk", None),
    ("gốm sứ bát trànk", "T-W2"),
    ("gốm thiêp", None),
    ("thiêp", None),
    ("gốm phát", None),
]


async def test_every_strategy_gives_the_same_answer(
    factory: Factory, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL asks the GIN index for rarer words expected to meet in few names, walks
    them in rank order otherwise, and walks them too when the GIN index finds more than
    GIN_ROWS: the same answers every way (and on SQLite, which has one way)."""
    async with factory.begin() as session:
        # Enough names for the words above to be rare, as in a city's register.
        session.add_all(
            enterprise(f"Công ty TNHH Nhà hàng số {n}", None, n, None) for n in range(60)
        )
        session.add(enterprise("Hợp tác xã Gốm Thiên Thiết", None, 2000, None))  # two alternatives
        session.add(enterprise("Công ty TNHH Thiện Phát", None, 20, None))
    expected = [await names(factory, query, near) for query, near in STRATEGY_QUERIES]
    assert expected[0] == GOM_SU_BY_WORKERS
    assert expected[2][:2] == [
        "Chi nhánh Công ty TNHH Gốm sứ Bát Tràng",
        "Công ty TNHH Gốm sứ Bát Tràng",
    ]
    assert expected[6][0] == "Chi nhánh Công ty TNHH Gốm sứ Bát Tràng"
    assert expected[9] == ["Hợp tác xã Gốm Thiên Thiết", "Công ty TNHH Thiện Phát"]
    assert expected[10] == []
    async with factory() as session:
        # An enterprise with two of a slip's alternatives counts once towards the limit.
        assert len(await search_enterprises(session, "thiêp", limit=2)) == 2
        if database_url.startswith("postgresql"):
            vocabulary = await search.cached_vocabulary(session)
            shape, _ = search._postgres_plan([("gom",), ("su",)], [], 2, vocabulary)
            assert shape[1], "the GIN index is asked first for these words"
    for settings in (
        {"GIN_EXPECTED": -1.0},  # the walk only
        {"GIN_EXPECTED": 1e9},  # the GIN index whenever it can be
        {"GIN_EXPECTED": 1e9, "GIN_ROWS": 1},  # and finds too many
    ):
        with monkeypatch.context() as patch:
            for name, value in settings.items():
                patch.setattr(search, name, value)
            found = [await names(factory, query, near) for query, near in STRATEGY_QUERIES]
            assert found == expected, settings


def test_words_that_go_together_are_found_in_the_sample() -> None:
    sample = {
        "hop": frozenset({1, 2, 3}),
        "tac": frozenset({1, 2, 3}),
        "xa": frozenset({2, 3}),
        "gom": frozenset({4}),
        "su": frozenset({5}),
    }
    # 10 names sampled of 1,000: two that have all three words stand for 200.
    vocabulary = search.Vocabulary({}, {}, size=1000, sample=sample, sampled=10)
    assert search._sampled([("hop",), ("tac",), ("xa",)], vocabulary) == 200
    assert search._sampled([("gom",), ("su",)], vocabulary) == 0
    assert search._sampled([("gom", "xa"), ("tac",)], vocabulary) == 200  # any alternative
    assert search._sampled([("gom",), ("unknown",)], vocabulary) == 0
    assert search._sampled([("gom",), ("gom",)], vocabulary) == 0  # one name is chance


@pytest.mark.postgres
async def test_a_bulk_load_is_vacuumed_on_postgres(pg_url: str) -> None:
    """After an import, the visibility map is set: index-only scans of `enterprise_words`
    read no table pages (they did until autovacuum came by)."""
    async for made in registered(pg_url):
        async with made() as session:
            bind = session.bind
            assert isinstance(bind, AsyncEngine)
            await search.vacuum_after_load(bind)
            visible = await session.scalar(
                text("SELECT relallvisible FROM pg_class WHERE relname = 'enterprise_words'")
            )
            assert visible is not None and visible > 0


@pytest.mark.parametrize(
    "typed",
    [
        "cong ty tnhh gom su bat trang",  # no diacritics
        "Công ty TNHH Gốm sứ Bát Trạng",  # a wrong one
        "Công ty TNHH Gốm sứ Bát Tràg",  # a missing letter
        "Công ty TNHH Gốm sứ Bát Tràngg",  # an extra letter
        "Công ty TNHH Gốm sứ Bát Tàrng",  # two letters swapped
        "Công ty TNHH Gốm sứ Bát Trànk",  # a wrong letter
    ],
)
async def test_a_slip_still_finds_the_name_first(lite: Factory, typed: str) -> None:
    assert (await names(lite, typed))[0] == "Công ty TNHH Gốm sứ Bát Tràng"


async def test_the_index_follows_edits_new_rows_and_deletions(factory: Factory) -> None:
    async with factory.begin() as session:
        moved = await session.scalar(select(Enterprise).where(Enterprise.tax_code == E))
        assert moved is not None
        moved.name, moved.search_key = "Hợp tác xã Mây tre Phú Vinh", "hop tac xa may tre phu vinh"
        moved.employees = 5000
        # A collaborator's report without a tax code (the lead form writes such rows).
        session.add(enterprise("Xưởng gốm Chu Đậu", None, 7, None))
        await session.execute(delete(Enterprise).where(Enterprise.tax_code == D))
    assert "Hợp tác xã Gốm sứ Phù Lãng" not in await names(factory, "gốm sứ")
    assert await names(factory, "may tre phu vinh") == ["Hợp tác xã Mây tre Phú Vinh"]
    assert await names(factory, "mây tre phú vin") == ["Hợp tác xã Mây tre Phú Vinh"]  # new word
    assert await names(factory, "gốm chu đậu") == ["Xưởng gốm Chu Đậu"]
    assert "Công ty Cổ phần Gốm sứ Minh Long" not in await names(factory, "gốm sứ")


async def test_the_index_follows_an_import(factory: Factory, tmp_path: Path) -> None:
    csv = tmp_path / "register.csv"
    csv.write_text(
        "Mã số thuế,Tên doanh nghiệp,Số lao động\n"
        f"{A},Công ty TNHH Sơn mài Hạ Thái,40\n"  # renamed
        f"{F},Công ty TNHH Lụa Vạn Phúc,120\n",
        encoding="utf-8",
    )
    async with factory.begin() as session:
        assert (await import_enterprises(session, csv)).rejected == 0
    assert await names(factory, "son mai ha thai") == ["Công ty TNHH Sơn mài Hạ Thái"]
    assert await names(factory, "lụa vạn phúc") == ["Công ty TNHH Lụa Vạn Phúc"]
    assert "Công ty TNHH Gốm sứ Bát Tràng Xanh" not in await names(factory, "gốm sứ")


async def test_a_first_import_builds_the_index_in_one_pass(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "first.db")
    await upgrade_async(url)
    csv = tmp_path / "register.csv"
    codes = tax_codes("01098", 300)
    rows = [f"{code},Công ty TNHH Lụa Vạn Phúc {n},{n}" for n, code in enumerate(codes, 1)]
    csv.write_text("Mã số thuế,Tên doanh nghiệp,Số lao động\n" + "\n".join(rows), "utf-8")
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            assert (await import_enterprises(conn, csv)).inserted == 300
            triggers = await conn.exec_driver_sql(
                "SELECT count(*) FROM sqlite_master "
                "WHERE type = 'trigger' AND name LIKE 'enterprises_%'"
            )
            assert triggers.scalar() == 5  # dropped for the load, back afterwards
        async with create_session_factory(engine)() as session:
            found = await search_enterprises(session, "lua van phuc")
            assert [e.employees for e in found] == [300, 299, 298, 297, 296]
            session.add(enterprise("Công ty TNHH Lụa Vạn Phúc mới", "0109999999", 999, None))
            await session.flush()
            assert (await search_enterprises(session, "lua van phuc"))[0].employees == 999
    finally:
        await engine.dispose()


@pytest.mark.parametrize(
    "names",
    [
        ["Công ty TNHH Lụa Vạn Phúc", "Công ty Công ty May 10", "Công ty Lụa Lụa"],  # plain keys
        ["Công ty TNHH Lụa Vạn Phúc", "Công ty 株式会社 Ōsaka", "Công ty Σοφία Σοφία"],
    ],
)
async def test_a_first_import_counts_each_word_once_per_enterprise(
    tmp_path: Path, names: list[str]
) -> None:
    """The word counts of a bulk load (read from the index, or counted in Python when a key
    has other characters) are those of the words of every search key."""
    url = sqlite_url(tmp_path / "terms.db")
    await upgrade_async(url)
    csv = tmp_path / "register.csv"
    rows = [
        f"{code},{name}" for code, name in zip(tax_codes("01097", len(names)), names, strict=True)
    ]
    csv.write_text("Mã số thuế,Tên doanh nghiệp\n" + "\n".join(rows), "utf-8")
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            assert (await import_enterprises(conn, csv)).inserted == len(names)
            keys = (await conn.exec_driver_sql("SELECT search_key FROM enterprises")).scalars()
            expected = Counter(word for key in keys for word in set(key.split()))
            terms = await conn.exec_driver_sql("SELECT term, docs FROM enterprise_terms")
            assert dict(terms.all()) == expected
            assert expected["cong"] == len(names)
    finally:
        await engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("odd_name", ["Công ty Lụa Lụa", "Công ty 株式会社 Σοφία"])
async def test_a_first_import_on_postgres_fills_the_word_list(
    pg_url: str, tmp_path: Path, odd_name: str
) -> None:
    """The bulk load's word list, word counts, indexes and triggers are what row-by-row
    writes through the triggers would have left."""
    from services.demo import unit_rows
    from services.units import upsert_units

    await upgrade_async(pg_url)
    engine = create_engine(pg_url)
    index_count = (
        "SELECT count(*) FROM pg_indexes WHERE tablename = 'enterprises' "
        "AND schemaname = current_schema()"
    )
    try:
        async with engine.begin() as conn:
            async with AsyncSession(bind=conn) as session:
                await upsert_units(session, unit_rows())
            indexes = (await conn.exec_driver_sql(index_count)).scalar()
        csv = tmp_path / "register.csv"
        codes = tax_codes("01096", 41)
        rows = [
            f"{code},Công ty TNHH Lụa Vạn Phúc {n},{n},LC-MT-W01" for n, code in enumerate(codes, 1)
        ]
        rows[-1] = f"{codes[-1]},{odd_name},,"
        csv.write_text(
            "Mã số thuế,Tên doanh nghiệp,Số lao động,Mã phường\n" + "\n".join(rows), "utf-8"
        )
        async with engine.begin() as conn:
            assert (await import_enterprises(conn, csv, batch_size=7)).inserted == 41
        async with engine.connect() as conn:
            assert (await conn.exec_driver_sql(index_count)).scalar() == indexes
            enabled = await conn.exec_driver_sql(
                "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'enterprises_%' "
                "AND tgenabled = 'O'"
            )
            assert enabled.scalar() == 5
            stored = (
                await conn.exec_driver_sql(
                    "SELECT id, search_key, employees, ward_unit_id FROM enterprises"
                )
            ).all()
            words = set(
                (await conn.exec_driver_sql("SELECT word, rank_key FROM enterprise_words")).all()
            )
            terms = dict(
                (await conn.exec_driver_sql("SELECT term, docs FROM enterprise_terms")).all()
            )
        expected_words = set()
        for id_, key, workers, ward in stored:
            rank = ((1073741822 - (-1 if workers is None else workers)) << 32) + id_
            tokens = set(key.split()) | ({f"_w{ward}"} if ward is not None else set())
            expected_words |= {(token, rank) for token in tokens}
        assert words == expected_words
        assert terms == Counter(word for _id, key, _w, _ward in stored for word in set(key.split()))
        factory = create_session_factory(engine)
        async with factory() as session:
            found = await search_enterprises(session, "lua van phuc")
            assert [e.employees for e in found] == [40, 39, 38, 37, 36]
        async with factory.begin() as session:
            session.add(enterprise("Công ty TNHH Lụa Vạn Phúc mới", "0109999999", 999, None))
        async with factory() as session:
            assert (await search_enterprises(session, "lua van phuc"))[0].employees == 999
    finally:
        await engine.dispose()


async def test_the_founding_lookup_drops_a_founded_enterprise(world: World) -> None:
    await give_role(world, 901, Role.OFFICER, "LC-TP")
    async with world.session_factory.begin() as session:
        officer, _ = await get_or_create_person(session, "telegram", 901, "vi")
        [first, *_] = await enterprises_to_found(session, officer, "công ty")
        assert [e.id for e in await enterprises_to_found(session, officer, first.name)] == [
            first.id
        ]
        first.grassroots_union_id = await ward_id(session, "LC-TP")  # as a founding does
        assert first.id not in [
            e.id for e in await enterprises_to_found(session, officer, first.name)
        ]


async def test_the_join_form_forgives_a_slip(world: World) -> None:
    user = world.sim.user(77)
    await reach(user, "workplace")
    await user.send("Công ty TNHH Mayy Lai Châu")
    assert t("join-workplace-results", query="Công ty TNHH Mayy Lai Châu") in user.last.text
    await user.click("Công ty TNHH May Lai Châu")
    assert t("join-ask-job") in user.last.text


def test_the_search_command(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_url(db_path))
    assert main(["search", "may", "lai", "chau", "--limit", "2"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.split()[1:] == ["180", "Công", "ty", "TNHH", "May", "Lai", "Châu"]
    assert main(["search", "may", "--ward", "NOPE"]) == 1
    assert "no unit NOPE" in capsys.readouterr().err


async def test_the_lead_form_finds_an_enterprise_by_name(world: World) -> None:
    await give_role(world, 78, Role.COLLABORATOR, "LC-TP-W01")
    user = world.sim.user(78)
    await user.send("/lead")
    await user.send("123")  # digits are still a tax code, with the parser's reason
    assert user.last.text.startswith(f"⚠️ {t('invalid-tax-code-format')}")
    [free, *_] = await enterprises_without_union(world, "LC-TP-W01")
    typed = normalize_search_key(free.name)  # as typed on a phone without diacritics
    await user.send(typed)
    assert t("lead-enterprise-results", query=typed) in user.last.text
    await user.click(free.name)
    assert t("lead-confirm") in user.last.text
    await user.send("/cancel")
    await user.send("/lead")
    await user.send("xyzzy qwerty")
    assert t("lead-enterprise-none", query="xyzzy qwerty") in user.last.text
