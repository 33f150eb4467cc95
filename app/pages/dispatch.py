"""Điều phối / Dispatch (first version: filled in as routing lands)."""

import streamlit as st

from app.i18n import t

st.title(t("dispatch.title"))
