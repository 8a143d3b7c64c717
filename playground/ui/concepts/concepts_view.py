"""The Concepts page's labs (the optimizer race has its own module, optimizer_race.py). Each
takes its numbers from playground.concepts (PyTorch's own modules, autograd and optimizers) and
its figures from concepts/plots.py; here they are only placed."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from playground.concepts import activations as act
from playground.concepts import backprop, losses, plots, regularisation
from playground.engine.activations import ACTIVATIONS
from playground.engine.i18n import N_, _


def _floats(text: str) -> list[float] | None:
    """Comma-separated numbers, or None (with a message shown) when they are not numbers."""
    try:
        values = [float(v) for v in text.replace(";", ",").split(",") if v.strip()]
    except ValueError:
        st.error(_("Type numbers separated by commas, like 2, 1, 0.1."), icon=":material/error:")
        return None
    if not 2 <= len(values) <= 10 or not all(math.isfinite(v) for v in values):
        st.error(_("Give between 2 and 10 finite numbers."), icon=":material/error:")
        return None
    return values


# --- 1. Activation functions ----------------------------------------------------------------


def activations() -> None:
    st.markdown(
        _(
            "An activation bends a layer's output so that stacked layers can draw curved "
            "boundaries. Its **derivative** is what backpropagation multiplies by at every layer."
        )
    )
    cols = st.columns([2, 1, 1])
    name = cols[0].selectbox(
        _("Activation function"),
        act.CURVES,
        format_func=lambda n: _(ACTIVATIONS[n].label),
        key="concepts-activation",
    )
    low, high = cols[1].slider(_("Range of x"), -20.0, 20.0, (-6.0, 6.0), 0.5, key="concepts-range")
    if low == high:
        st.warning(_("Pick a range wider than one point."))
        return
    layers = cols[2].number_input(_("Layers stacked"), 1, 50, 10, key="concepts-layers")
    st.latex(act.FORMULAS[name])
    curve = act.curve(name, low, high)
    st.plotly_chart(
        plots.activation_figure(curve, ACTIVATIONS[name].label), key="concepts-activation-chart"
    )
    left = act.vanishing(name, int(layers))
    st.markdown(
        _(
            "Through **{layers} stacked {label} layers** (weights of 1, input 2), "
            "the gradient that reaches the first layer is **{left:.3g}**: the "
            "product of the derivatives along the way."
        ).format(layers=layers, label=_(ACTIVATIONS[name].label), left=left)
    )
    if any(curve.saturated):
        st.info(
            _(
                "Where the derivative is close to 0 (shaded), the unit **saturates**: almost no "
                "gradient passes, so the weights before it barely change. Stack many such layers "
                "and "
                "the gradient shrinks layer after layer (the vanishing gradient): deep nets with "
                "sigmoid or tanh learn slowly, which is why ReLU and its relatives took over."
            ),
            icon=":material/lightbulb:",
        )
    st.markdown(_("#### Softmax: from scores to probabilities"))
    st.latex(act.SOFTMAX)
    cols = st.columns([2, 1])
    text = cols[0].text_input(_("Logits z (comma-separated)"), "2, 1, 0.1", key="concepts-logits")
    t = cols[1].slider(_("Temperature T"), 0.05, 10.0, 1.0, 0.05, key="concepts-temperature")
    logits = _floats(text)
    if logits is None:
        return
    result = act.softmax(logits, t)
    st.plotly_chart(
        plots.softmax_figure(logits, result.probabilities, t), key="concepts-softmax-chart"
    )
    st.caption(
        _(
            "Low temperatures sharpen the answer towards the largest logit; high ones flatten it "
            "towards uniform. The Jacobian dp_i/dz_j (autograd) shows how each probability moves "
            "when one logit does: p_i (1 - p_i) / T on the diagonal, -p_i p_j / T off it."
        )
    )
    names = [f"z{j + 1}" for j in range(len(logits))]
    st.dataframe(
        pd.DataFrame(
            result.jacobian, index=[f"p{i + 1}" for i in range(len(logits))], columns=names
        ).round(4),
        key="concepts-jacobian",
    )


# --- 2. Loss functions ----------------------------------------------------------------------


def loss_functions() -> None:
    st.markdown(
        _(
            "A loss turns how wrong a prediction is into one number to make smaller. What matters "
            "for learning is its **gradient**: the signal sent back into the network."
        )
    )
    name = st.radio(
        _("Loss"),
        list(losses.LOSSES),
        format_func=lambda k: _(losses.LOSSES[k]),
        horizontal=True,
        key="concepts-loss",
    )
    st.latex(losses.FORMULAS[name])
    labels = {"cce": [1]}.get(name, [0, 1])
    curves = {_("true label y = {y}").format(y=y): losses.loss_curve(name, y) for y in labels}
    st.plotly_chart(plots.loss_figure(curves, losses.LOSSES[name]), key="concepts-loss-chart")
    if name == "mse":
        st.caption(
            _(
                "Through a sigmoid, MSE's gradient dL/dz = 2 (p - y) p (1 - p) goes to 0 when the "
                "prediction is confidently wrong (p near 1 - y): the model learns slowest when it "
                "is "
                "most wrong. Cross-entropy's gradient is simply p - y."
            )
        )
    else:
        st.caption(
            _(
                "Cross-entropy grows without bound as a confident prediction turns out wrong, and "
                "its gradient with respect to the logit is simply p - y: large when wrong, small "
                "when right."
            )
        )
    st.markdown(_("#### One step, worked through"))
    st.caption(
        _(
            "One example with input x; its logit is z = θx + b and the prediction p = σ(z). "
            "Change the numbers: everything below is computed by autograd."
        )
    )
    cols = st.columns(6)
    loss = cols[0].selectbox(
        _("Loss for the step"),
        ["bce", "mse"],
        format_func=lambda k: _(losses.LOSSES[k]),
        key="concepts-step-loss",
    )
    y = cols[1].selectbox(_("Label y"), [0, 1], key="concepts-y")
    p = cols[2].number_input(
        _("Prediction p"), 0.001, 0.999, 0.9, 0.01, format="%.3f", key="concepts-p"
    )
    lr = cols[3].number_input(_("Learning rate α"), 0.0, 10.0, 0.1, 0.01, key="concepts-lr")
    theta = cols[4].number_input(_("Parameter θ"), -10.0, 10.0, 0.5, 0.1, key="concepts-theta")
    x = cols[5].number_input(_("Input x"), -10.0, 10.0, 1.0, 0.1, key="concepts-x")
    step = losses.worked_step(loss, y, p, lr, theta, x)
    if loss == "bce":
        st.latex(rf"L = -\left[{y} \ln {p:g} + (1 - {y}) \ln(1 - {p:g})\right] = {step.loss:.4f}")
        st.latex(
            rf"\frac{{\partial L}}{{\partial z}} = p - y = {p:g} - {y} = {step.grad_logit:.4f}"
        )
    else:
        st.latex(rf"L = (p - y)^2 = ({p:g} - {y})^2 = {step.loss:.4f}")
        st.latex(
            rf"\frac{{\partial L}}{{\partial z}} = 2 (p - y)\, p (1 - p) = {step.grad_logit:.4f}"
        )
    st.latex(
        rf"\frac{{\partial L}}{{\partial \theta}} = \frac{{\partial L}}{{\partial z}} \cdot x "
        rf"= {step.grad_logit:.4f} \times {x:g} = {step.grad_theta:.4f}"
    )
    st.latex(
        rf"\theta \leftarrow \theta - \alpha \frac{{\partial L}}{{\partial \theta}} = {theta:g} - "
        rf"{lr:g} \times {step.grad_theta:.4f} = {step.theta:.4f}"
    )
    cols = st.columns(4)
    cols[0].metric(_("Loss"), f"{step.loss:.4f}")
    cols[1].metric(_("Gradient dL/dz"), f"{step.grad_logit:.4f}")
    cols[2].metric("dL/dθ", f"{step.grad_theta:.4f}")
    cols[3].metric(_("New θ"), f"{step.theta:.4f}")


# --- 4. Backpropagation on a tiny net -------------------------------------------------------


def backpropagation() -> None:
    st.markdown(
        _(
            "A 2-2-1 network with sigmoid units and the loss L = ½(ŷ - y)². Edit any number: the "
            "forward values and every gradient follow, by the chain rule written out, and autograd "
            "checks them."
        )
    )
    d = backprop.TinyNet()
    cols = st.columns(4)
    x1 = cols[0].number_input("x1", value=d.x[0], step=0.05, key="bp-x1")
    x2 = cols[0].number_input("x2", value=d.x[1], step=0.05, key="bp-x2")
    y = cols[0].number_input(_("target y"), value=d.y, step=0.05, key="bp-y")
    w = [
        [
            cols[1].number_input(
                f"w1[{j + 1},{k + 1}]", value=d.w1[j][k], step=0.05, key=f"bp-w1-{j}-{k}"
            )
            for k in range(2)
        ]
        for j in range(2)
    ]
    b1 = [
        cols[2].number_input(f"b1[{j + 1}]", value=d.b1[j], step=0.05, key=f"bp-b1-{j}")
        for j in range(2)
    ]
    w2 = [
        cols[2].number_input(f"w2[{j + 1}]", value=d.w2[j], step=0.05, key=f"bp-w2-{j}")
        for j in range(2)
    ]
    b2 = cols[3].number_input("b2", value=d.b2, step=0.05, key="bp-b2")
    lr = cols[3].number_input(_("learning rate"), value=0.5, step=0.1, key="bp-lr")
    net = backprop.TinyNet((x1, x2), (tuple(w[0]), tuple(w[1])), tuple(b1), tuple(w2), b2, y)
    values = backprop.by_hand(net)
    st.plotly_chart(plots.tiny_net_figure(net, values), key="bp-net")
    g = values.grads
    st.latex(
        rf"\frac{{\partial L}}{{\partial \hat y}} = \hat y - y = {g['y_hat']:.5f},\quad "
        rf"\frac{{\partial L}}{{\partial z_2}} = (\hat y - y)\,\hat y (1 - \hat y) = {g['z2']:.5f}"
    )
    st.latex(
        rf"\frac{{\partial L}}{{\partial w_{{2,1}}}} = \frac{{\partial L}}{{\partial z_2}} h_1 "
        rf"= {g['w2'][0]:.5f},\quad \frac{{\partial L}}{{\partial h_1}} = "
        rf"\frac{{\partial L}}{{\partial z_2}} w_{{2,1}} = {g['h'][0]:.5f}"
    )
    st.latex(
        rf"\frac{{\partial L}}{{\partial w_{{1,11}}}} = \frac{{\partial L}}{{\partial h_1}}\, "
        rf"h_1 (1 - h_1)\, x_1 = {g['w1'][0][0]:.6f}"
    )
    auto = backprop.by_autograd(net)
    names = {
        "w1": ["w1[1,1]", "w1[1,2]", "w1[2,1]", "w1[2,2]"],
        "b1": ["b1[1]", "b1[2]"],
        "w2": ["w2[1]", "w2[2]"],
        "b2": ["b2"],
    }
    rows, agree = [], True
    for name, labels in names.items():
        for label, h, a in zip(labels, _flat(g[name]), _flat(auto[name]), strict=True):
            agree &= math.isclose(h, a, rel_tol=1e-9, abs_tol=1e-12)
            rows.append({_("gradient of L by"): label, _("by hand"): h, "autograd": a})
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        column_config={
            k: st.column_config.NumberColumn(format="%.8f") for k in (_("by hand"), "autograd")
        },
        key="bp-check",
    )
    if agree:
        st.success(_("The chain rule by hand and PyTorch's autograd agree on every gradient."))
    else:
        st.error(_("By hand and autograd disagree: this is a bug, please report it."))
    after = backprop.by_hand(backprop.step(net, lr))
    st.metric(
        _("Loss after one step"),
        f"{after.loss:.6f}",
        f"{after.loss - values.loss:+.6f}",
        delta_color="inverse",
    )


def _flat(v) -> list[float]:
    if isinstance(v, list):
        return [x for item in v for x in _flat(item)]
    return [float(v)]


# --- 5. Regularisation ----------------------------------------------------------------------


def regularisation_lab() -> None:
    st.markdown(
        _(
            "Two layers that behave differently while training and while predicting: call "
            "`model.train()` or `model.eval()` to switch them."
        )
    )
    st.markdown(_("#### Dropout"))
    p = st.slider(_("Dropout rate p"), 0.0, 0.9, 0.5, 0.05, key="reg-p")
    seed = st.number_input(_("Seed"), 0, 10_000, 0, key="reg-seed")
    demo = regularisation.dropout(p, seed=int(seed))
    st.plotly_chart(
        plots.units_figure(
            {N_("input"): demo.inputs, N_("train mode"): demo.train, N_("eval mode"): demo.eval},
            N_("One layer's activations through nn.Dropout"),
        ),
        key="reg-dropout",
    )
    plain, averaged = regularisation.dropout_means(p, seed=int(seed))
    dropped = sum(v == 0 for v in demo.train)
    st.caption(
        _(
            "In train mode {dropped} of {count} units are zeroed and the others are "
            "multiplied by 1 / (1 - p) = {value:.2f}, so the mean stays the same on "
            "average ({plain:.3f} without dropout, {averaged:.3f} averaged over "
            "2,000 passes). In eval mode dropout does nothing."
        ).format(
            dropped=dropped,
            count=len(demo.train),
            value=1 / (1 - p),
            plain=plain,
            averaged=averaged,
        )
    )
    st.markdown(_("#### Batch norm"))
    cols = st.columns(3)
    mean = cols[0].slider(_("Mean of the inputs"), -10.0, 10.0, 3.0, 0.5, key="reg-mean")
    std = cols[1].slider(_("Spread (std) of the inputs"), 0.1, 10.0, 2.0, 0.1, key="reg-std")
    seen = cols[2].slider(_("Training batches seen"), 1, 100, 5, key="reg-batches")
    bn = regularisation.batch_norm(mean, std, batches_seen=seen)
    st.plotly_chart(
        plots.histogram_figure(
            {_("input"): bn.inputs, _("train mode"): bn.train, _("eval mode"): bn.eval},
            N_("One feature over a batch of 64 through nn.BatchNorm1d"),
        ),
        key="reg-bn",
    )
    st.caption(
        _(
            "Train mode normalises with this batch's own mean and variance: the "
            "output has mean 0 and spread 1 whatever comes in. It also updates "
            "running estimates (momentum 0.1), now mean {running_mean:.3f} and "
            "variance {running_var:.3f}, which eval mode uses instead. After few "
            "batches they are still far from the data's ({mean:g}, {value:g}), so "
            "eval mode's output is off: the reason a model must be trained for a "
            "while, and set to eval(), before it predicts."
        ).format(running_mean=bn.running_mean, running_var=bn.running_var, mean=mean, value=std**2)
    )
