"""The Streamlit side of /exchange: what its views compute, cached per data version and shared by every viewer
(read it, never change it)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from alliance import exchange
from alliance.app import data


@st.cache_resource(show_spinner=False, max_entries=256)
def closest_strong_peers(dimension_id: int, member_id: str, population, region, version: str,
                         limit: int = 3) -> pd.DataFrame:
    """The `limit` strong peers on a dimension most alike the member (exchange.similarity_order). At 10,000
    cities exchange_peers gives ~5,000 rows a dimension, and every viewer sorted them again for each need."""
    peers = data.query("exchange_peers", dimension_id=int(dimension_id), member_id=member_id,
                       min_level=exchange.STRONG_LEVEL)
    return exchange.similarity_order(peers, population, region).head(limit)
