"""The app's pages as one table: the navigation (app.py), Home's cards and the sidebar read it.

Each page has its title, icon, address, section, what it is for in a line, and the kind of
model it works on (its task, or None for the labs that train none of the jobs' models): the
sidebar shows that task's job on it, and the session's model where the page edits or trains it.
Home and the labs are listed here; a task's pages come from its own UI folder
(`playground/ui/<task>/actions.py` registers them with `task_ui`), so a new kind of model adds
its pages without an edit here."""

from __future__ import annotations

from dataclasses import dataclass

from playground.engine.i18n import N_


@dataclass(frozen=True)
class Page:
    file: str  # from the repository's root: "app_pages/home.py"
    title: str  # catalog texts: shown through _()
    icon: str
    url: str  # the address's path ("" for Home)
    section: str
    what: str  # one line for Home's card
    task: str | None = None  # the kind of model it works on: its job shows in the sidebar
    model: bool = False  # it edits or trains the session's model: the sidebar names it (a page
    # that picks a model of its own, such as Draw, says which it uses itself)
    live: bool = False  # it shows its job live itself (the sidebar does not poll as well)
    order: int = 50  # where in its section (lower first)


START, IMAGES, LANGUAGE, LABS = N_("Start"), N_("Images"), N_("Language"), N_("Labs")
HOME = Page(
    "app_pages/home.py",
    N_("Home"),
    ":material/home:",
    "",
    START,
    N_("draw a digit for a trained model, and where everything is"),
    "image",
)
LAB_PAGES = (
    Page("app_pages/scale.py", N_("Scaling lab"), ":material/stacked_line_chart:", "scale", LABS,
         N_("why large models are large: one model at several sizes, its power law, and "
            "what every run cost"), live=True, order=10),
    Page("app_pages/search.py", N_("Search"), ":material/manage_search:", "search", LABS,
         N_("hyperparameter search you can watch: trials train, the weak ones are pruned, and "
            "what mattered shows"), live=True, order=15),
    Page("app_pages/privacy.py", N_("Privacy"), ":material/shield:", "privacy", LABS,
         N_("train with differential privacy, and see what a model gives away: a membership "
            "attack, and the price in accuracy"), "image", order=17),
    Page("app_pages/concepts.py", N_("Concepts"), ":material/school:", "concepts", LABS,
         N_("the theory, computed live: activations, losses, optimizers, "
            "backpropagation, regularisation"), order=20),
    Page("app_pages/playground2d.py", N_("Playground 2-D"), ":material/scatter_plot:",
         "playground2d", LABS, N_("points in the plane and a small network bending its "
                                  "boundary as it learns"), order=30),
)  # fmt: skip


def all_pages() -> tuple[Page, ...]:
    """Home, every task's pages (section by section, in each its order), then the labs."""
    from playground.ui import task_ui  # it names Page: imported when the table is first read

    found = [p for ui in task_ui.every().values() for p in ui.pages]
    rank = {s: i for i, s in enumerate(dict.fromkeys([START, *(p.section for p in found)]))}
    rank[LABS] = len(rank) + 1  # the labs close the list
    listed = sorted([*found, *LAB_PAGES], key=lambda p: (rank.get(p.section, len(rank)), p.order))
    return (HOME, *listed)


def sections(listed: tuple[Page, ...]) -> tuple[str, ...]:
    """The sections of `listed` (all_pages()), in order: Start, the tasks' (Images...), Labs."""
    return tuple(dict.fromkeys(p.section for p in listed))


def by_url(url: str) -> Page:
    return next((p for p in all_pages() if p.url == url), HOME)
