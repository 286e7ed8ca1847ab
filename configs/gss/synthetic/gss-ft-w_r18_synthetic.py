# GSS-FT-W on generated scenes: the learnable X⁻¹ on the frozen model of
# gss-ff_r18_synthetic.py.
_base_ = './gss-ff_r18_synthetic.py'
model = dict(
    backbone=dict(frozen_stages=4, norm_eval=True),
    decode_head=dict(
        type='GSSFTWHead',
        # the tokenizer's weights come with the GSS-FF checkpoint (load_from)
        tokenizer=dict(checkpoint=None),
        post_seg_channel=32,
        post_swin_depth=1,
        post_swin_num_heads=4,
        post_swin_window_size=7,
        # The project's CPU models: 4× FFN, frozen part in eval mode.
        post_swin_mlp_ratio=4,
        frozen_mode='eval'))
load_from = 'work_dirs/gss-ff_r18_synthetic/latest.pth'
runner = dict(max_iters=200)
checkpoint_config = dict(interval=200)
evaluation = dict(interval=200)
