# GSS-FT-W (stage I'): learn X⁻¹ on top of the frozen GSS-FF Swin-L ADE20K
# model, which is loaded from its checkpoint (train the FF config first, or
# pass --load-from). Only X⁻¹ (1×1 conv 3→128, one shifted-window block,
# 4 heads, window 7, LN, 1×1 conv → classes) trains, for 40k iterations; the
# name keeps the paper's "160k" of the FF stage. Paper: 48.54 mIoU.
_base_ = './gss-ff_swin-l_512x512_160k_ade20k.py'
model = dict(
    backbone=dict(frozen_stages=4),
    decode_head=dict(
        type='GSSFTWHead',
        post_seg_channel=128,
        post_swin_depth=1,
        post_swin_num_heads=4,
        post_swin_window_size=7))
load_from = 'work_dirs/gss-ff_swin-l_512x512_160k_ade20k/latest.pth'
runner = dict(max_iters=40000)
checkpoint_config = dict(interval=4000)
evaluation = dict(interval=4000)
