"""Streamlit pieces shared by the pages, the one package that imports streamlit: the session and
the job manager (state), who the session is (identity), text shown as text, tab visibility, the
sidebar, share links, job badges, images, chart clicks and the model picker; and one folder per
area of pages: train (Build and Train), inspect (Inspect, Evaluate, Draw), concepts and
playground2d.

May import: everything in playground.
"""
