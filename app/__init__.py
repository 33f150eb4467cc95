"""Streamlit pages and map components: the only code that imports streamlit or folium."""
