"""/practices: the practice catalogue. ?id=... opens one practice, ?compare=a,b compares 2 to 4; otherwise the
filtered catalogue with its results, overview charts and "who to contact". All state is in the URL."""
import streamlit as st

from alliance.app import practices_view as view
from alliance.i18n import t
from alliance.app.ui import demo_notice, page_header
from alliance.app.shell import ensure_app_shell

ensure_app_shell()  # first, before anything is drawn

page_header(t("practices.title"), t("practices.intro"))
demo_notice()

options = view.load_options()
labels = view.Labels(options)
state = view.read_state(options)
if state.problems:
    st.warning(t("practices.ignored_params", items=", ".join(state.problems)), icon=":material/link_off:")

if state.detail_id:
    view.detail(state.detail_id, labels, state)
elif state.compare is not None:
    view.comparison(state.compare, labels)
else:
    view.prefetch_results(state)
    with st.spinner(t("practices.loading")):
        counts = view.facet_counts(state.filters)
    total = counts.get("all", {}).get("matches", 0)
    view.filter_sidebar(state, labels, counts, options, view.year_bounds())
    view.search_box(state.filters)
    view.archived_toggle(state.filters, view.archived_hidden(state.filters, counts))
    choice = view.choice_widget("segmented", t("practices.view"), ("results", "charts", "contact"), state.view,
                                "view", "results", lambda v: t(f"practices.view_{v}"), label_visibility="collapsed")
    if choice == "charts":
        view.overview_charts(state.filters, labels, total)
    elif choice == "contact":
        view.contacts(state, labels, options)
    else:
        view.results(state, labels, total)
