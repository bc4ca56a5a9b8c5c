"""Pool connections go back without asyncpg's reset batch, yet never leak session state."""

from __future__ import annotations

import pytest

from service.store.db import create_pool


async def test_release_sends_no_reset_batch(migrated_dsn: str) -> None:
    # A session setting survives release: no RESET ALL ran. That is why nothing but a
    # dedicated connection may use session state (service/store/db.py, PoolConnection).
    pool = await create_pool(migrated_dsn, min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn:
            await conn.execute("SET application_name = 'left-behind'")
        async with pool.acquire() as conn:
            assert await conn.fetchval("SHOW application_name") == "left-behind"
    finally:
        await pool.close()


@pytest.mark.filterwarnings("ignore:.*active notification listener")
async def test_a_connection_that_listened_is_unlistened_on_release(migrated_dsn: str) -> None:
    pool = await create_pool(migrated_dsn, min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn:
            await conn.add_listener("gp_test_channel", lambda *args: None)
            assert await conn.fetchval("SELECT count(*) FROM pg_listening_channels()") == 1
        async with pool.acquire() as conn:
            assert await conn.fetchval("SELECT count(*) FROM pg_listening_channels()") == 0
    finally:
        await pool.close()


async def test_an_open_transaction_is_rolled_back_on_release(migrated_dsn: str) -> None:
    pool = await create_pool(migrated_dsn, min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn:
            await conn.execute("BEGIN")
            await conn.execute("CREATE TEMP TABLE left_open (x int)")
        async with pool.acquire() as conn:
            assert not conn.is_in_transaction()
            assert await conn.fetchval("SELECT to_regclass('pg_temp.left_open')") is None
    finally:
        await pool.close()
