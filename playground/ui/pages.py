"""The app's pages as one table: the navigation (app.py), Home's cards and the sidebar read it.

Each page has its title, icon, address, section, what it is for in a line, and the kind of
model it works on (its task, or None for the labs that train none of the jobs' models): the
sidebar shows that task's job on it, and the session's model where the page edits or trains it."""

from __future__ import annotations

from dataclasses import dataclass

from playground.engine.i18n import N_


@dataclass(frozen=True)
class Page:
    file: str  # under app_pages/
    title: str  # catalog texts: shown through _()
    icon: str
    url: str  # the address's path ("" for Home)
    section: str
    what: str  # one line for Home's card
    task: str | None = None  # the kind of model it works on: its job shows in the sidebar
    model: bool = False  # it edits or trains the session's model: the sidebar names it (a page
    # that picks a model of its own, such as Draw, says which it uses itself)
    live: bool = False  # it shows its job live itself (the sidebar does not poll as well)


SECTIONS = (N_("Start"), N_("Images"), N_("Language"), N_("Labs"))
PAGES = (
    Page("home.py", N_("Home"), ":material/home:", "", N_("Start"),
         N_("draw a digit for a trained model, and where everything is"), "image"),
    Page("build.py", N_("Build"), ":material/construction:", "build", N_("Images"),
         N_("the layer stack editor, with shapes, parameters and a diagram"), "image", model=True),
    Page("train.py", N_("Train"), ":material/monitoring:", "train", N_("Images"),
         N_("training settings, live curves, and every run so far"), "image", model=True,
         live=True),
    Page("draw.py", N_("Draw"), ":material/draw:", "draw", N_("Images"),
         N_("draw a digit; the model's answer and what it sees"), "image"),
    Page("inspect.py", N_("Inspect"), ":material/visibility:", "inspect", N_("Images"),
         N_("feature maps, filters, saliency and Grad-CAM for one input"), "image"),
    Page("evaluate.py", N_("Evaluate"), ":material/fact_check:", "evaluate", N_("Images"),
         N_("the whole test set: scores, confusion matrix, mistakes"), "image"),
    Page("language.py", N_("Language"), ":material/text_fields:", "language", N_("Language"),
         N_("write with a small GPT, train your own live and look inside it: attention "
            "heads, the logit lens, embeddings"), "language", model=True, live=True),
    Page("scale.py", N_("Scaling lab"), ":material/stacked_line_chart:", "scale", N_("Labs"),
         N_("why large models are large: one model at several sizes, its power law, and "
            "what every run cost"), live=True),
    Page("concepts.py", N_("Concepts"), ":material/school:", "concepts", N_("Labs"),
         N_("the theory, computed live: activations, losses, optimizers, "
            "backpropagation, regularisation")),
    Page("playground2d.py", N_("Playground 2-D"), ":material/scatter_plot:", "playground2d",
         N_("Labs"), N_("points in the plane and a small network bending its boundary as it "
                        "learns")),
)  # fmt: skip


def by_url(url: str) -> Page:
    return next((p for p in PAGES if p.url == url), PAGES[0])
