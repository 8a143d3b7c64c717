import streamlit as st
import torch

from playground import inspect, plots
from playground.data import DataError, load
from playground.ui import evaluate_view, model_picker

st.title("Inspect")
st.caption("What each layer computes for one input, and which pixels the answer depends on.")
choice = model_picker.pick("inspect-model")
if choice is None or choice.model is None:
    st.stop()
try:
    data = load(choice.dataset.name)
except DataError as e:
    st.error(str(e))
    st.stop()
info, model, classes = choice.dataset, choice.model, choice.dataset.classes
how = st.radio(
    "Input",
    ["A test image by number", "A random test image", "A mistake"],
    horizontal=True,
    key="inspect-how",
)
if how == "A test image by number":
    index = st.number_input("Test image", 0, len(data.test_y) - 1, 0, key="inspect-index")
else:
    if st.button("Another one", key="inspect-next") or "inspect-pick" not in st.session_state:
        pool = torch.arange(len(data.test_y))
        found = evaluate_view.results(choice) if how == "A mistake" else None
        if found is not None:  # the test-set pass Evaluate caches for this model version
            pool = (found[1].argmax(dim=1) != data.test_y).nonzero().flatten()
        st.session_state["inspect-pick"] = (
            int(pool[torch.randint(len(pool), ())]) if len(pool) else 0
        )
    index = st.session_state["inspect-pick"]
x = (data.test_x[index : index + 1].float() / 255 - info.mean) / info.std
maps = inspect.feature_maps(model, x)
p = torch.softmax(maps[-1][0], dim=0)
st.metric(
    "The model says",
    classes[int(p.argmax())],
    f"true: {classes[int(data.test_y[index])]}",
    delta_color="off",
)

st.subheader("Saliency")
target = st.selectbox(
    "For class",
    range(len(classes)),
    index=int(p.argmax()),
    format_func=lambda i: classes[i],
    key="inspect-class",
)
image = data.test_x[index, 0].float().numpy() / 255
cols = st.columns(2)
saliency = inspect.gradient_x_input(model, x, target).abs()
cols[0].plotly_chart(
    plots.overlay_figure(
        image, (saliency / saliency.max().clamp_min(1e-12)).numpy(), "Gradient x input"
    ),
    key="inspect-saliency",
)
if inspect.conv_layers(model):
    cam = inspect.grad_cam(model, x, target)
    cols[1].plotly_chart(
        plots.overlay_figure(image, cam.numpy(), "Grad-CAM (last conv layer)"),
        key="inspect-gradcam",
    )

st.subheader("Feature maps, layer by layer")
shared = st.toggle("One colour scale per layer", True, key="inspect-shared")
for i, (layer, out) in enumerate(zip(choice.spec.layers, maps, strict=True)):
    title = f"Layer {i + 1}: {layer.label} -> {'x'.join(map(str, out.shape[1:]))}"
    if out.dim() == 4:
        st.plotly_chart(
            plots.maps_figure(out[0][:32], title, shared_scale=shared), key=f"inspect-map-{i}"
        )
    else:
        st.plotly_chart(plots.bars_figure(out[0].tolist(), title), key=f"inspect-map-{i}")

convs = inspect.conv_layers(model)
if convs:
    st.subheader("Filters of the first conv layer")
    kernels = inspect.filters(model, convs[0])
    st.plotly_chart(plots.maps_figure(kernels[:, 0][:32], "Kernels"), key="inspect-filters")
