# GSS-FT-W on CamVid, setting (b): learnable X⁻¹ on the frozen
# gss-ff_effnet-lite0_camvid.py model.
_base_ = './gss-ff_effnet-lite0_camvid.py'
model = dict(
    backbone=dict(frozen_stages=7, norm_eval=True),
    decode_head=dict(
        type='GSSFTWHead',
        # the tokenizer's weights come with the GSS-FF checkpoint (load_from)
        tokenizer=dict(checkpoint=None),
        post_seg_channel=64,
        post_swin_depth=1,
        post_swin_num_heads=4,
        post_swin_window_size=7))
load_from = 'work_dirs/gss-ff_effnet-lite0_camvid/latest.pth'
runner = dict(max_iters=200)
checkpoint_config = dict(interval=200)
evaluation = dict(interval=200)
