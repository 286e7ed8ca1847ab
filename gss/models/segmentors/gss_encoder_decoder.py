"""EncoderDecoder whose ``show_result`` draws GSS panels."""
import mmcv
from mmseg.models.builder import SEGMENTORS
from mmseg.models.segmentors import EncoderDecoder

from ...visualization import (_test_batch, draw_panel, gt_maskige,
                              is_gss_model, maskige_to_image,
                              predicted_maskige)


class SegResult(list):
    """A segmentor's test output (one label map per image) that also holds
    the test input it was computed from.

    ``show_result`` decodes that input's tokens again to draw the predicted
    maskige of *this* result. mmseg's test loops keep only the label maps
    (``results.extend(result)``), so the input lives as long as the result
    object does.

    Args:
        seg_maps (list[np.ndarray]): The label maps.
        img (Tensor): The (first-augmentation) normalised input batch.
        img_meta (list[dict]): Its metas.
    """

    def __init__(self, seg_maps, img, img_meta):
        super().__init__(seg_maps)
        self.inputs = (img, img_meta)


@SEGMENTORS.register_module()
class GSSEncoderDecoder(EncoderDecoder):
    """:class:`EncoderDecoder` that visualises GSS models as panels.

    Training and inference are those of ``EncoderDecoder``. With a GSS
    decode head, ``show_result`` (what ``tools/test.py --show-dir`` and
    mmseg's ``single_gpu_test`` call after each forward) draws the panel of
    :mod:`gss.visualization` instead of a colour overlay: input, ground
    truth, GT maskige, maskige of the predicted tokens, prediction and
    error map. ``simple_test``/``aug_test`` return a :class:`SegResult`
    that holds the (first-augmentation) input, so that ``show_result`` can
    decode the tokens of the very image it is given again, at the cost of
    one more forward, only when a panel is drawn.

    Ground truth comes from ``show_result(gt_semantic_seg=...)`` or from a
    dataset given to :meth:`set_show_dataset` (matched by
    ``img_meta['ori_filename']``); without it those columns show a
    placeholder. Other heads keep the plain ``EncoderDecoder`` overlay.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._show_dataset = None
        self._show_index = None

    def set_show_dataset(self, dataset):
        """Take the ground truth of shown images from ``dataset``.

        Args:
            dataset (CustomDataset): The test dataset whose samples are
                shown (``get_gt_seg_map_by_idx`` gives their labels).
        """
        self._show_dataset = dataset
        self._show_index = {
            info['filename']: i for i, info in enumerate(dataset.img_infos)
        }

    def _with_inputs(self, seg_maps, img, img_meta):
        # ONNX export returns a tensor; other heads draw no panel.
        if is_gss_model(self) and isinstance(seg_maps, list):
            return SegResult(seg_maps, img, img_meta)
        return seg_maps

    def simple_test(self, img, img_meta, rescale=True):
        return self._with_inputs(
            super().simple_test(img, img_meta, rescale), img, img_meta)

    def aug_test(self, imgs, img_metas, rescale=True):
        return self._with_inputs(
            super().aug_test(imgs, img_metas, rescale), imgs[0],
            img_metas[0])

    def _lookup_gt(self, img_meta):
        if self._show_dataset is None or self._show_dataset.ann_dir is None:
            return None
        index = self._show_index.get(img_meta.get('ori_filename'))
        if index is None:
            return None
        return self._show_dataset.get_gt_seg_map_by_idx(index)

    def show_result(self,
                    img,
                    result,
                    palette=None,
                    win_name='',
                    show=False,
                    wait_time=0,
                    out_file=None,
                    opacity=0.5,
                    panel=True,
                    gt_semantic_seg=None):
        """Draw the GSS panel of ``img`` and its ``result``.

        The predicted maskige is decoded from the input that ``result`` was
        computed from (a :class:`SegResult` of this model's test), else from
        the model's test pipeline run on ``img``.

        Args:
            img (str | np.ndarray): The image (BGR), as given to
                ``EncoderDecoder.show_result``.
            result (list[np.ndarray]): Test output; the first map is drawn.
            palette (array-like, optional): (K, 3) RGB dataset colours;
                defaults to ``self.PALETTE``.
            win_name (str): Window name when ``show``.
            show (bool): Show the image in a window.
            wait_time (int): ``cv2.waitKey`` time when ``show``.
            out_file (str, optional): Where to write the image, in the
                format its extension names (PNG keeps the palette colours
                exact; JPEG blurs them).
            opacity (float): Overlay opacity; only used without a panel.
            panel (bool): Draw the panel (GSS heads only); False draws
                mmseg's overlay.
            gt_semantic_seg (np.ndarray, optional): (H, W) ground truth,
                overriding :meth:`set_show_dataset`.

        Returns:
            np.ndarray | None: The BGR panel (for a non-GSS head or
            ``panel=False``: mmseg's overlay, returned only when neither
            ``show`` nor ``out_file`` is set).

        Raises:
            ValueError: ``img`` and ``result`` differ in size.
        """
        if not (panel and is_gss_model(self)):
            return super().show_result(img, result, palette, win_name, show,
                                       wait_time, out_file, opacity)
        image = mmcv.imread(img)
        pred = result[0]
        if image.shape[:2] != pred.shape:
            raise ValueError(
                f'show_result got an image of size {image.shape[:2]} and a '
                f'result of size {pred.shape}: pass the image the result was '
                'computed for, with rescale=True')
        inputs = getattr(result, 'inputs', None)
        if inputs is None:
            data = _test_batch(self, image)
            inputs = (data['img'][0], data['img_metas'][0])
        tensor, metas = inputs
        gt = gt_semantic_seg
        if gt is None:
            gt = self._lookup_gt(metas[0])
        palette = self.PALETTE if palette is None else palette
        head = self.decode_head
        canvas = draw_panel(
            mmcv.bgr2rgb(image),
            gt,
            None if gt is None else gt_maskige(self, gt),
            maskige_to_image(predicted_maskige(self, tensor, metas)[0]),
            pred,
            class_names=self.CLASSES,
            dataset_palette=palette,
            ignore_index=head.ignore_index,
            maskige_palette=head.codec.palette.colors)
        canvas = mmcv.rgb2bgr(canvas)
        if out_file is not None:
            mmcv.imwrite(canvas, out_file)
        elif show:
            mmcv.imshow(canvas, win_name, wait_time)
        return canvas
