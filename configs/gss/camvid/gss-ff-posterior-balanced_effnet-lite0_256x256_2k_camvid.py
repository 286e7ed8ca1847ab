# GSS-FF of gss-ff-balanced_effnet-lite0_256x256_2k_camvid.py reading its
# token posterior at test time (GSSFFPosteriorHead; loads that config's
# checkpoint as it is): each cell decodes the expected code over its 4 most
# likely tokens, and cells whose top token is below the threshold take the
# auxiliary pixel head's classes. The threshold is fitted with k = 4 on the
# 367 training images (tools/fit_pixel_fusion.py, seed 0's checkpoint;
# benchmarks/results/camvid_fusion_fit.json); k = 4 is set, not fitted.
#   python tools/test.py configs/gss/camvid/gss-ff-posterior-balanced_effnet-lite0_256x256_2k_camvid.py \
#       work_dirs/gss-ff-balanced_effnet-lite0_256x256_2k_camvid/latest.pth --eval mIoU
_base_ = './gss-ff-balanced_effnet-lite0_256x256_2k_camvid.py'
model = dict(
    decode_head=dict(
        type='GSSFFPosteriorHead',
        posterior_top_k=4,
        pixel_fusion_threshold=0.5))
