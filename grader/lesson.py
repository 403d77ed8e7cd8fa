"""The lesson of a variant's notebook: Markdown with LaTeX, written with that variant's own numbers.

Everything is read from the variant's key (the network, the chain-rule point,
the batch figures) and from the questions of its answer sheet, so the lesson
names exactly the numbers the sheet asks for. It shows each computation with
the numbers substituted, never its result.
"""

from __future__ import annotations

from .answers import Question, questions

SYMBOLS = {"sigmoid": r"\sigma", "tanh": r"\tanh", "relu": r"\operatorname{relu}"}
DEFINITIONS = {
    "sigmoid": (r"\sigma(z) = \frac{1}{1 + e^{-z}}", r"\sigma'(z) = \sigma(z)\,\bigl(1 - \sigma(z)\bigr)"),
    "tanh": (r"\tanh(z) = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}", r"\tanh'(z) = 1 - \tanh^2(z)"),
    "relu": (
        r"\operatorname{relu}(z) = \max(z, 0)",
        r"\operatorname{relu}'(z) = \begin{cases} 1 & z > 0 \\ 0 & z \le 0 \end{cases}",
    ),
}


def lesson(key: dict, variant: str) -> list[tuple[str, str]]:
    """(cell id, Markdown) of each lesson cell, in order."""
    return [
        ("intro", _intro(key, variant)),
        ("gradient-descent", _gradient_descent(key)),
        ("batches", _batches(key["batches"])),
        ("chain-rule", _chain_rule(key["chain_rule"])),
        ("network", _network(key["network"])),
        ("forward-pass", _forward_pass(key["network"])),
        ("backward-pass", _backward_pass(key)),
        ("update", _update(key)),
        ("code", _code_intro()),
    ]


def num(value: float) -> str:
    """A drawn number as it is written: two decimals."""
    return f"{value:.2f}"


def factor(value: float) -> str:
    """A number as a factor in a product: negative ones in parentheses."""
    return f"({num(value)})" if value < 0 else num(value)


def plus(value: float) -> str:
    return f"- {num(-value)}" if value < 0 else f"+ {num(value)}"


def matrix(rows) -> str:
    body = r" \\ ".join(" & ".join(num(v) for v in row) for row in rows)
    return rf"\begin{{pmatrix}} {body} \end{{pmatrix}}"


def _sizes(network: dict) -> str:
    (W1, _), (W2, _) = network["params"]
    return f"{len(W1[0])}-{len(W1)}-{len(W2)}"


def _intro(key: dict, variant: str) -> str:
    network = key["network"]
    return f"""# Back-propagation by hand and in code

Variant **{variant}**: a {_sizes(network)} network with the {network["activation"]} activation.

Every number in this notebook is yours: your classmates have other ones. Work
through sections 1 to 7 with pen, paper and a calculator, and write each number
the sections ask for in `answers.json` (replace its `null`), to 4 significant
digits. Keep more digits in intermediate results and round only at the end.
Then implement the functions of section 8 in the code cells; the grader checks
them on your network, among others.
"""


def _gradient_descent(key: dict) -> str:
    lr = key["network"]["lr"]
    (W1, _), _ = key["network"]["params"]
    return f"""## 1. Gradient descent

Training lowers the loss $L$ by moving every parameter $\\theta$ (each weight and
each bias) a small step against its gradient, which points uphill:

$$\\theta \\leftarrow \\theta - \\eta \\, \\frac{{\\partial L}}{{\\partial \\theta}}$$

The learning rate $\\eta$ sets the size of the step. Yours is $\\eta = {num(lr)}$:
the weight $w^{{(1)}}_{{11}} = {num(W1[0][0])}$ becomes
$w^{{(1)}}_{{11}} - {num(lr)} \\, \\frac{{\\partial L}}{{\\partial w^{{(1)}}_{{11}}}}$.
Too large a rate overshoots the minimum; too small, and training crawls. All
gradients are computed first, then every parameter is updated.
"""


def _batches(batches: dict) -> str:
    n, b, epochs = batches["num_samples"], batches["batch_size"], batches["epochs"]
    return f"""## 2. Epochs, batches and iterations

The training set is cut into *batches* of $B$ samples. One *iteration* updates
the parameters once, from one batch; one *epoch* is one pass over all $N$
samples. When $B$ does not divide $N$, the last batch of an epoch is smaller,
and it still counts:

$$\\text{{batches per epoch}} = \\left\\lceil \\frac{{N}}{{B}} \\right\\rceil,
\\qquad \\text{{iterations}} = E \\left\\lceil \\frac{{N}}{{B}} \\right\\rceil$$

Your training set has $N = {n}$ samples in batches of $B = {b}$, trained for $E = {epochs}$ epochs.

**On the sheet:** `batches per epoch` and `iterations`.
"""


def _chain_rule(chain: dict) -> str:
    x, w, b = chain["x"], chain["w"], chain["b"]
    rows = [
        ("h_1 = w \\, x", "\\partial h_1 / \\partial w = x"),
        ("h_2 = h_1 + b", "\\partial h_2 / \\partial h_1 = 1"),
        ("h_3 = -h_2", "\\partial h_3 / \\partial h_2 = -1"),
        ("h_4 = e^{h_3}", "\\partial h_4 / \\partial h_3 = e^{h_3}"),
        ("h_5 = h_4 + 1", "\\partial h_5 / \\partial h_4 = 1"),
        ("f = h_6 = 1 / h_5", "\\partial f / \\partial h_5 = -1 / h_5^2"),
    ]
    table = "\n".join(f"| ${step}$ | ${local}$ |" for step, local in rows)
    return f"""## 3. The chain rule

Back-propagation is the chain rule applied step by step. Take the sigmoid of a
single weighted input, $f(x; w, b) = \\dfrac{{1}}{{e^{{-(w x + b)}} + 1}}$, and
split it into elementary steps, each with its local derivative:

| step | local derivative |
|---|---|
{table}

The derivative of $f$ with respect to $w$ is the product of the local
derivatives along the path from $w$ to $f$; the path from $b$ starts at $h_2$
($\\partial h_2 / \\partial b = 1$):

$$\\frac{{\\partial f}}{{\\partial w}} = \\frac{{\\partial f}}{{\\partial h_5}}
\\frac{{\\partial h_5}}{{\\partial h_4}} \\frac{{\\partial h_4}}{{\\partial h_3}}
\\frac{{\\partial h_3}}{{\\partial h_2}} \\frac{{\\partial h_2}}{{\\partial h_1}}
\\frac{{\\partial h_1}}{{\\partial w}}, \\qquad
\\frac{{\\partial f}}{{\\partial b}} = \\frac{{\\partial f}}{{\\partial h_5}}
\\frac{{\\partial h_5}}{{\\partial h_4}} \\frac{{\\partial h_4}}{{\\partial h_3}}
\\frac{{\\partial h_3}}{{\\partial h_2}}$$

Yours: $x = {num(x)}$, $w = {num(w)}$, $b = {num(b)}$. Run the steps forward
($h_1 = {factor(w)} \\cdot {factor(x)}$, ...), then evaluate each local
derivative at those values.

**On the sheet:** `f`, `df/dw` and `df/db`.
"""


def _network(network: dict) -> str:
    (W1, b1), (W2, b2) = network["params"]
    activation = network["activation"]
    g, (definition, derivative) = SYMBOLS[activation], DEFINITIONS[activation]
    return f"""## 4. Your network

{len(W1[0])} inputs, {len(W1)} hidden units, {len(W2)} outputs. Each layer computes
$z = W a + b$ from the layer below's activations $a$ (the inputs $x$ for the
first layer), then applies ${g}$ to every unit, the output layer included:

$${definition}, \\qquad {derivative}$$

$w^{{(l)}}_{{jk}}$ is the weight from unit $k$ below to unit $j$ of layer $l$:
row $j$ of $W^{{(l)}}$, written `W1[j,k]` or `W2[j,k]` on the sheet (counting from 1).

$$x = {matrix([network["x"][0]])}^{{\\top}}, \\qquad y = {matrix([network["y"][0]])}^{{\\top}}$$

$$W^{{(1)}} = {matrix(W1)}, \\qquad b^{{(1)}} = {matrix([b1])}^{{\\top}}$$

$$W^{{(2)}} = {matrix(W2)}, \\qquad b^{{(2)}} = {matrix([b2])}^{{\\top}}$$

The loss is half the sum of squared errors, $L = \\frac{{1}}{{2}} \\sum_j (\\hat y_j - y_j)^2$,
and the learning rate $\\eta = {num(network["lr"])}$.
"""


def _forward_pass(network: dict) -> str:
    (W1, b1), (W2, b2) = network["params"]
    g = SYMBOLS[network["activation"]]
    x, y = network["x"][0], network["y"][0]
    hidden = "\n\n".join(  # one paragraph per display, as Markdown renderers expect
        f"$$z^{{(1)}}_{j + 1} = "
        + " + ".join(f"{factor(w)} \\cdot {factor(xk)}" for w, xk in zip(row, x))
        + f" {plus(b)}, \\qquad a^{{(1)}}_{j + 1} = {g}(z^{{(1)}}_{j + 1})$$"
        for j, (row, b) in enumerate(zip(W1, b1))
    )
    output = "\n\n".join(
        f"$$z^{{(2)}}_{j + 1} = "
        + " + ".join(f"{factor(w)} \\, a^{{(1)}}_{k + 1}" for k, w in enumerate(row))
        + f" {plus(b)}, \\qquad \\hat y_{j + 1} = {g}(z^{{(2)}}_{j + 1})$$"
        for j, (row, b) in enumerate(zip(W2, b2))
    )
    loss = " + ".join(f"(\\hat y_{j + 1} {plus(-t)})^2" for j, t in enumerate(y))
    return f"""## 5. The forward pass

From the inputs to the loss, one layer at a time. The hidden layer:

{hidden}

The output layer takes the hidden activations as its inputs:

{output}

And the loss against your targets:

$$L = \\frac{{1}}{{2}} \\left[ {loss} \\right]$$

Keep every $z$: the backward pass needs them.

**On the sheet:** `a1[j]` ($a^{{(1)}}_j$), `y_hat[j]` ($\\hat y_j$) and `L`.
"""


def _backward_pass(key: dict) -> str:
    network = key["network"]
    (W1, _), (W2, _) = network["params"]
    g = SYMBOLS[network["activation"]]
    x = network["x"][0]
    asked = questions(key)
    hidden_deltas = "\n\n".join(
        f"$$\\delta^{{(1)}}_{k + 1} = \\left( "
        + " + ".join(f"{factor(W2[j][k])} \\, \\delta^{{(2)}}_{j + 1}" for j in range(len(W2)))
        + f" \\right) {g}'(z^{{(1)}}_{k + 1})$$"
        for k in range(len(W1))
    )
    output_grads = _listed(asked, "dL/dW2", lambda j, k: f"\\delta^{{(2)}}_{j} \\, a^{{(1)}}_{k}")
    hidden_grads = _listed(asked, "dL/dW1", lambda j, k: f"\\delta^{{(1)}}_{j} \\cdot {factor(x[k - 1])}")
    return f"""## 6. The backward pass

From the loss back to every parameter. At the output,
$\\partial L / \\partial \\hat y_j = \\hat y_j - y_j$ (the $\\frac{{1}}{{2}}$ cancels the 2),
and through the activation comes the *output delta*:

$$\\delta^{{(2)}}_j = \\frac{{\\partial L}}{{\\partial z^{{(2)}}_j}} = (\\hat y_j - y_j) \\; {g}'(z^{{(2)}}_j)$$

Since $z^{{(2)}}_j = \\sum_k w^{{(2)}}_{{jk}} a^{{(1)}}_k + b^{{(2)}}_j$, the gradients of the output layer are

$$\\frac{{\\partial L}}{{\\partial w^{{(2)}}_{{jk}}}} = \\delta^{{(2)}}_j \\, a^{{(1)}}_k, \\qquad
\\frac{{\\partial L}}{{\\partial b^{{(2)}}_j}} = \\delta^{{(2)}}_j$$

{output_grads}

Each hidden unit $k$ feeds every output $j$ through $w^{{(2)}}_{{jk}}$, so its
delta gathers the output deltas through those weights, as they were in the
forward pass, then goes through the activation's derivative at $z^{{(1)}}_k$:

{hidden_deltas}

$$\\frac{{\\partial L}}{{\\partial w^{{(1)}}_{{jk}}}} = \\delta^{{(1)}}_j \\, x_k, \\qquad
\\frac{{\\partial L}}{{\\partial b^{{(1)}}_j}} = \\delta^{{(1)}}_j$$

{hidden_grads}

**On the sheet:** every `dL/db2[j]` and `dL/db1[j]` (the deltas), and the
`dL/dW` entries above.
"""


def _listed(asked: list[Question], prefix: str, formula) -> str:
    """The sheet's entries of one gradient, each with its formula."""
    lines = []
    for question in asked:
        if question.id.startswith(prefix):
            j, k = question.path[-2] + 1, question.path[-1] + 1
            lines.append(f"- `{question.id}` $= {formula(j, k)}$")
    return "The sheet asks for:\n\n" + "\n".join(lines)


def _update(key: dict) -> str:
    network = key["network"]
    lr = network["lr"]
    lines = []
    for question in questions(key):
        if question.id.startswith("new "):
            layer, j, k = question.path[1], question.path[3], question.path[4]
            w = network["params"][layer][0][j][k]
            symbol = f"w^{{({layer + 1})}}_{{{j + 1}{k + 1}}}"
            lines.append(
                f"- `{question.id}` $= {num(w)} - {num(lr)} \\, \\dfrac{{\\partial L}}{{\\partial {symbol}}}$"
            )
    listed = "\n".join(lines)
    return f"""## 7. One step of gradient descent

With every gradient computed from the weights of the forward pass, each
parameter takes one step: $\\theta \\leftarrow \\theta - {num(lr)} \\, \\partial L / \\partial \\theta$.

**On the sheet:**

{listed}
"""


def _code_intro() -> str:
    return """## 8. Now in code

Implement each function below, replacing `raise NotImplementedError`. Shapes
follow `torch.nn.Linear`: a batch is rows, `x` has shape `(batch, n_in)`, `W`
has shape `(n_out, n_in)` and a layer computes `z = x @ W.T + b`. Outside the
last cell (PyTorch), derive every gradient by hand: no automatic
differentiation. The cell just below holds your network, to try your
functions on and compare with your hand calculations, say
`forward(x, params, activation)`.
"""
