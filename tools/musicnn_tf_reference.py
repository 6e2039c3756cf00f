"""Reference outputs of the original musicnn (TensorFlow) for the torch port's agreement test.

Runs in a throw-away environment, never in the project's (TensorFlow is not a dependency)::

    python3 -m venv musicnn-tf
    musicnn-tf/bin/pip install tensorflow-cpu tf-keras librosa
    musicnn-tf/bin/pip install numpy==1.26.4 "ml-dtypes<0.6"   # the numpy 1.x promotion musicnn was written for
    musicnn-tf/bin/pip install --no-deps musicnn==0.1.0
    TF_USE_LEGACY_KERAS=1 TF_ENABLE_ONEDNN_OPTS=0 CUDA_VISIBLE_DEVICES= \\
        musicnn-tf/bin/python tools/musicnn_tf_reference.py DATA_ROOT tests/features/data/musicnn_tf_reference.npz

For the two staged GTZAN clips (``gtzan/audio/genres/{blues,classical}/*.00000.wav`` under the
data root) it stores musicnn's own input patches summarised (``<clip>|batch_frame_sum``: each
patch's log-Mel values summed per frame, float64, and ``<clip>|batch_shape``) and, from the
restored checkpoints run as one TensorFlow graph on all patches at once, per patch: the tag
probabilities of all four models (``<clip>|<model>|taggram``), the ``penultimate`` layer of
the two musicnn models and the ``pool5`` layer of the two VGG models (float32). The graph is
built with musicnn's ``models.define_model`` and fed musicnn's ``extractor.batch_data``
patches (187 frames, no overlap), as ``extractor.extractor`` does; its per-patch loop is not
used because it returns the first patch's ``penultimate`` for every later patch.
"""

from __future__ import annotations

import os
import sys

import numpy as np


def main(data_root: str, out: str) -> None:
    import tensorflow as tf

    tf.compat.v1.disable_eager_execution()
    import musicnn
    from musicnn import extractor, models

    clips = {g: os.path.join(data_root, "gtzan", "audio", "genres", g, f"{g}.00000.wav") for g in ("blues", "classical")}
    res: dict[str, np.ndarray] = {}
    batches = {}
    for g, path in clips.items():
        batch, _ = extractor.batch_data(path, 187, 187)
        batches[g] = batch.astype(np.float32)
        res[f"{g}|batch_shape"] = np.asarray(batch.shape)
        res[f"{g}|batch_frame_sum"] = batch.astype(np.float64).sum(axis=2)
    for model in ("MSD_musicnn", "MTT_musicnn", "MSD_vgg", "MTT_vgg"):
        tf.compat.v1.reset_default_graph()
        with tf.name_scope("model"):
            x = tf.compat.v1.placeholder(tf.float32, [None, 187, 96])
            is_training = tf.compat.v1.placeholder(tf.bool)
            outs = models.define_model(x, is_training, model, 50)
            taggram = tf.nn.sigmoid(outs[0])
            layer = outs[8] if "musicnn" in model else outs[5]  # penultimate / pool5
        sess = tf.compat.v1.Session()
        sess.run(tf.compat.v1.global_variables_initializer())
        tf.compat.v1.train.Saver().restore(sess, os.path.join(os.path.dirname(musicnn.__file__), model) + "/")
        name = "penultimate" if "musicnn" in model else "pool5"
        for g, batch in batches.items():
            t, lay = sess.run([taggram, layer], feed_dict={x: batch, is_training: False})
            res[f"{g}|{model}|taggram"] = np.asarray(t, dtype=np.float32)
            res[f"{g}|{model}|{name}"] = np.asarray(lay, dtype=np.float32).reshape(len(batch), -1)
        sess.close()
    res["versions"] = np.asarray([f"tensorflow {tf.__version__}", f"numpy {np.__version__}",
                                  f"librosa {__import__('librosa').__version__}", "musicnn 0.1.0"])
    np.savez_compressed(out, **res)
    print({k: v.shape for k, v in res.items()})


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: musicnn_tf_reference.py DATA_ROOT OUT.npz")
    main(sys.argv[1], sys.argv[2])
