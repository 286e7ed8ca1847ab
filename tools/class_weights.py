"""Class weights for a weighted cross-entropy, from a dataset's labels.

Usage::

    python tools/class_weights.py CONFIG [--split train] [--power 0.5]

Median-frequency balancing (Eigen & Fergus, ICCV 2015; SegNet's CamVid
weights): the frequency of class ``c`` is its pixel count divided by the
pixels of the images in which it appears, and its weight is
``(median(freq) / freq_c) ** power``. ``--power 1`` is the original;
the default 0.5 softens it, so that rare classes gain recall without
flooding the frequent ones. Ignored pixels (``ignore_index``) count
nowhere; a class that never appears is refused (its weight would be
infinite).

The labels are read as the dataset's evaluation reads them
(``get_gt_seg_map_by_idx``: ``label_map`` and ``reduce_zero_label``
applied), so the weights follow the class order of the config. Paste the
printed list into ``loss_decode=dict(type='CrossEntropyLoss',
class_weight=[...])``.
"""
import argparse
import json
import os.path as osp
import sys

from _cli import add_cfg_options, load_config

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Median-frequency class weights of a dataset split')
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--split',
        default='train',
        choices=['train', 'val', 'test'],
        help='dataset split of the config to count (default: train)')
    parser.add_argument(
        '--power',
        type=float,
        default=0.5,
        help='exponent of median(freq) / freq (1: median-frequency '
        'balancing; default 0.5)')
    parser.add_argument(
        '--out', help='also write counts and weights to this JSON file')
    add_cfg_options(parser)
    return parser.parse_args(argv)


if __name__ == '__main__':
    parse_args()  # answers --help and usage errors before the imports below

import gss  # noqa: E402,F401  (mmcv compatibility + registries, first)
import numpy as np  # noqa: E402


def class_frequencies(label_maps, num_classes, ignore_index=255):
    """Pixel counts and median-frequency frequencies of label maps.

    Args:
        label_maps (Iterable[np.ndarray]): ``(H, W)`` integer class ids in
            ``[0, num_classes)`` or ``ignore_index``.
        num_classes (int): Number of classes K.
        ignore_index (int): Label of unlabelled pixels. Default: 255.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``(K,)`` pixel counts and ``(K,)``
        frequencies (count / pixels of the images holding the class).
    """
    counts = np.zeros(num_classes, dtype=np.int64)
    image_pixels = np.zeros(num_classes, dtype=np.int64)
    for index, label in enumerate(label_maps):
        kept = label[label != ignore_index].astype(np.int64)
        if kept.size and (kept.min() < 0 or kept.max() >= num_classes):
            bad = kept[(kept < 0) | (kept >= num_classes)]
            raise ValueError(
                f'label map {index} holds class id {int(bad[0])}, outside '
                f'[0, {num_classes}) and not ignore_index={ignore_index}: '
                'check the dataset\'s classes and label_map')
        bins = np.bincount(kept, minlength=num_classes)
        counts += bins
        # every pixel of the image, ignored ones too (Eigen & Fergus)
        image_pixels += (bins > 0) * label.size
    return counts, counts / np.maximum(image_pixels, 1)


def median_frequency_weights(freq, power=0.5, class_names=None):
    """``(median(freq) / freq) ** power``.

    Args:
        freq (np.ndarray): ``(K,)`` frequencies, from
            :func:`class_frequencies`.
        power (float): Exponent; 1 is median-frequency balancing.
        class_names (Sequence[str], optional): For the error message.

    Returns:
        np.ndarray: ``(K,)`` weights.
    """
    absent = np.flatnonzero(freq == 0)
    if absent.size:
        names = [class_names[i] if class_names else str(i) for i in absent]
        raise ValueError(
            f'classes {names} never appear in the labels, so their weight '
            'would be infinite: count a split that holds them (--split) or '
            'drop them from the dataset\'s classes')
    return (np.median(freq) / freq)**power


def main(argv=None):
    args = parse_args(argv)
    cfg = load_config(args)
    from mmseg.datasets import build_dataset

    dataset = build_dataset(cfg.data[args.split])
    names = list(dataset.CLASSES)
    labels = (dataset.get_gt_seg_map_by_idx(i) for i in range(len(dataset)))
    counts, freq = class_frequencies(labels, len(names),
                                     dataset.ignore_index)
    weights = median_frequency_weights(freq, args.power, names)
    share = counts / max(counts.sum(), 1)
    print(f'{len(dataset)} label maps of {args.split}, '
          f'weights = (median(freq) / freq) ** {args.power:g}')
    print(f'{"class":<16}{"pixels %":>10}{"freq":>10}{"weight":>10}')
    for name, s, f, w in zip(names, share, freq, weights):
        print(f'{name:<16}{100 * s:>10.2f}{f:>10.4f}{w:>10.3f}')
    rounded = [round(float(w), 3) for w in weights]
    print(f'class_weight={rounded}')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(
                dict(
                    config=args.config,
                    split=args.split,
                    power=args.power,
                    classes=names,
                    pixels=counts.tolist(),
                    frequency=freq.tolist(),
                    class_weight=rounded),
                f,
                indent=1)
    return weights


if __name__ == '__main__':
    main()
