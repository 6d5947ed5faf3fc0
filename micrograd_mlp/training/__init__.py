"""One training loop for both engines: :func:`fit`, its callbacks, checkpoints.

One step is the whole of backpropagation in five lines, the same for both engines::

    outputs = forward(model, inputs)        # scalar engine: [model(x) for x in rows];
                                            # Tensor engine: model(X), one (B, ...) Tensor
    loss = loss_fn(outputs, targets)        # one scalar at the root of the graph
    optimizer.zero_grad()                   # .grad accumulates, as in PyTorch: clear it first
    loss.backward()                         # chain rule, root to leaves
    optimizer.step()                        # move every parameter against its gradient

:func:`fit` runs such steps over mini-batches for a number of epochs (``model.train()``, one pass
over the data, then the callbacks) and records everything in one :class:`History`. A loss that
has become NaN or infinite stops training *before* the update that would spread it into the
weights (:class:`NonFiniteLossError`, naming the step). The rest of a run is callbacks:
:class:`Evaluate` (held-out data, in ``model.eval()`` mode and under ``no_grad``),
:class:`Schedule` (a learning-rate scheduler, once per epoch), :class:`Checkpointing` (a
checkpoint per epoch, exact resume), :class:`ProgressLog` (bars and one line per epoch) and
plain functions ``f(epoch, history)`` (:func:`print_progress`).

The rooms, each importing only those above it:

* :mod:`~micrograd_mlp.training.batches` -- ``(X, y)`` as mini-batches, the forward pass of
  either engine;
* :mod:`~micrograd_mlp.training.record` -- :class:`History` and :class:`Run`, the record of a run;
* :mod:`~micrograd_mlp.training.evaluation` -- :func:`evaluate`;
* :mod:`~micrograd_mlp.training.schedules` -- what a resumed run's learning-rate schedule does
  when its number of epochs changes (continue or restart);
* :mod:`~micrograd_mlp.training.checkpoint` -- the checkpoint file, :func:`restore`;
* :mod:`~micrograd_mlp.training.runs` -- run folders (``out/run-1``, ...), finding the run to
  continue;
* :mod:`~micrograd_mlp.training.callbacks` -- the callbacks (they see the :class:`Run`);
* :mod:`~micrograd_mlp.training.loop` -- :func:`fit`, :func:`train_step`, :func:`run_epoch`.
"""

from micrograd_mlp.training.callbacks import (
    Callback,
    Checkpointing,
    Evaluate,
    LambdaCallback,
    ProgressLog,
    Schedule,
    print_progress,
)
from micrograd_mlp.training.checkpoint import (
    Checkpoint,
    CheckpointError,
    load_checkpoint,
    restore,
)
from micrograd_mlp.training.evaluation import Evaluation, evaluate
from micrograd_mlp.training.loop import (
    NonFiniteLossError,
    check_finite,
    fit,
    run_epoch,
    train_step,
)
from micrograd_mlp.training.record import History, Run

__all__ = [
    "Callback",
    "Checkpoint",
    "CheckpointError",
    "Checkpointing",
    "Evaluate",
    "Evaluation",
    "History",
    "LambdaCallback",
    "NonFiniteLossError",
    "ProgressLog",
    "Run",
    "Schedule",
    "check_finite",
    "evaluate",
    "fit",
    "load_checkpoint",
    "print_progress",
    "restore",
    "run_epoch",
    "train_step",
]
