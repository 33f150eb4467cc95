"""Vùng phục vụ / Coverage (first version: filled in as geo.coverage lands)."""

import streamlit as st

from app.i18n import t

st.title(t("coverage.title"))
