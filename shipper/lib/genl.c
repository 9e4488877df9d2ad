// SPDX-License-Identifier: GPL-2.0
/*
 * A small generic netlink client over libmnl: family lookup, requests with
 * extended acks, dumps of any length, multicast notifications.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/genetlink.h>

#include "genl.h"
#include "log.h"

/*
 * The kernel sizes dump messages after the receive buffer it last saw, up to
 * 32 KiB; a smaller buffer would truncate them (MSG_TRUNC, -ENOSPC).
 */
#define GENL_RXBUF_SIZE (64 * 1024)
#define GENL_TXBUF_SIZE 8192

struct request {
	struct genl_ctx *ctx;
	mnl_cb_t cb;
	void *data;
	int err;
	bool stopped;
};

static int extack_attr_cb(const struct nlattr *attr, void *data)
{
	struct genl_ctx *ctx = data;

	if (mnl_attr_get_type(attr) != NLMSGERR_ATTR_MSG)
		return MNL_CB_OK;
	if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
		return MNL_CB_OK;
	snprintf(ctx->extack, sizeof(ctx->extack), "%s",
		 mnl_attr_get_str(attr));
	return MNL_CB_OK;
}

static void parse_extack(struct genl_ctx *ctx, const struct nlmsghdr *nlh,
			 size_t offset)
{
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (offset >= mnl_nlmsg_get_payload_len(nlh))
		return;
	mnl_attr_parse_payload((const char *)mnl_nlmsg_get_payload(nlh) + offset,
			       mnl_nlmsg_get_payload_len(nlh) - offset,
			       extack_attr_cb, ctx);
}

static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	struct request *req = data;
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	size_t offset = sizeof(*err);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*err)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (!err->error)
		return MNL_CB_STOP;
	/* Without NLM_F_CAPPED the request itself is echoed before the TLVs. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		offset += MNL_ALIGN(err->msg.nlmsg_len) - sizeof(err->msg);
	parse_extack(req->ctx, nlh, offset);
	errno = err->error < 0 ? -err->error : err->error;
	return MNL_CB_ERROR;
}

/* A dump that failed part way reports the error in NLMSG_DONE. */
static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	struct request *req = data;
	int err;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(err))
		return MNL_CB_STOP;
	memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	if (!err)
		return MNL_CB_STOP;
	parse_extack(req->ctx, nlh, sizeof(err));
	errno = err < 0 ? -err : err;
	return MNL_CB_ERROR;
}

static int data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct request *req = data;

	int ret;

	if (!req->cb || req->stopped)
		return MNL_CB_OK;
	/*
	 * A callback that fails or stops is not called again, but the replies
	 * are still read to their end so that the socket can serve the next
	 * request.
	 */
	ret = req->cb(nlh, req->data);
	if (ret <= MNL_CB_STOP)
		req->stopped = true;
	if (ret == MNL_CB_ERROR)
		req->err = errno ? -errno : -EPROTO;
	return MNL_CB_OK;
}

static mnl_cb_t ctl_cbs[NLMSG_MIN_TYPE] = {
	[NLMSG_ERROR] = error_cb,
	[NLMSG_DONE] = done_cb,
};

/*
 * libmnl gives up on the rest of a buffer at a message flagged
 * NLM_F_DUMP_INTR, which can hold the NLMSG_DONE we wait for: note the flag
 * and clear it, so the dump is read to its end and then reported as -EINTR.
 */
static bool clear_dump_intr(char *buf, size_t len)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	int rem = len;
	bool intr = false;

	while (mnl_nlmsg_ok(nlh, rem)) {
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR) {
			nlh->nlmsg_flags &= ~NLM_F_DUMP_INTR;
			intr = true;
		}
		nlh = mnl_nlmsg_next(nlh, &rem);
	}
	return intr;
}

static int run(struct genl_ctx *ctx, struct request *req, uint32_t seq)
{
	bool intr = false;

	for (;;) {
		ssize_t len = mnl_socket_recvfrom(ctx->nl, ctx->rxbuf,
						  ctx->rxlen);
		int ret;

		if (len < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (clear_dump_intr(ctx->rxbuf, len))
			intr = true;
		ret = mnl_cb_run2(ctx->rxbuf, len, seq, ctx->portid, data_cb,
				  req, ctl_cbs, NLMSG_MIN_TYPE);
		if (ret == MNL_CB_STOP)
			break;
		if (ret == MNL_CB_ERROR)
			return errno ? -errno : -EPROTO;
	}
	if (req->err)
		return req->err;
	return intr ? -EINTR : 0;
}

int genl_request(struct genl_ctx *ctx, struct nlmsghdr *nlh, mnl_cb_t cb,
		 void *data)
{
	struct request req = { .ctx = ctx, .cb = cb, .data = data };

	ctx->extack[0] = '\0';
	nlh->nlmsg_seq = ++ctx->seq;
	if (!(nlh->nlmsg_flags & NLM_F_DUMP))
		nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(ctx->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	return run(ctx, &req, nlh->nlmsg_seq);
}

struct nlmsghdr *genl_msg_start(struct genl_ctx *ctx, uint8_t cmd,
				uint16_t flags)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;

	/* libmnl leaves attribute padding as it finds it; send no stale bytes. */
	memset(ctx->txbuf, 0, ctx->txlen);
	nlh = mnl_nlmsg_put_header(ctx->txbuf);

	nlh->nlmsg_type = ctx->family_id;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = ctx->version;
	return nlh;
}

size_t genl_msg_room(const struct genl_ctx *ctx)
{
	return ctx->txlen;
}

uint8_t genl_msg_cmd(const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*genl))
		return 0;
	return genl->cmd;
}

static void add_group(struct genl_ctx *ctx, const struct nlattr *grp)
{
	const struct nlattr *attr;
	const char *name = NULL;
	uint32_t id = 0;

	mnl_attr_for_each_nested(attr, grp) {
		switch (mnl_attr_get_type(attr)) {
		case CTRL_ATTR_MCAST_GRP_NAME:
			if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0)
				name = mnl_attr_get_str(attr);
			break;
		case CTRL_ATTR_MCAST_GRP_ID:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
				id = mnl_attr_get_u32(attr);
			break;
		}
	}
	if (!name || !id || ctx->ngroups >= GENL_MAX_GROUPS)
		return;
	snprintf(ctx->groups[ctx->ngroups].name,
		 sizeof(ctx->groups[ctx->ngroups].name), "%s", name);
	ctx->groups[ctx->ngroups++].id = id;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct genl_ctx *ctx = data;
	const struct nlattr *attr, *grp;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(attr)) {
		case CTRL_ATTR_FAMILY_ID:
			if (mnl_attr_validate(attr, MNL_TYPE_U16) >= 0)
				ctx->family_id = mnl_attr_get_u16(attr);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			mnl_attr_for_each_nested(grp, attr)
				add_group(ctx, grp);
			break;
		}
	}
	return MNL_CB_OK;
}

static int resolve_family(struct genl_ctx *ctx, const char *family)
{
	struct genlmsghdr *genl;
	struct nlmsghdr *nlh;
	int ret;

	/* Addressed to nlctrl; family_cb() then fills in the family's id. */
	ctx->family_id = GENL_ID_CTRL;
	nlh = genl_msg_start(ctx, CTRL_CMD_GETFAMILY, 0);
	genl = mnl_nlmsg_get_payload(nlh);
	genl->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, family);
	ctx->family_id = 0;
	ret = genl_request(ctx, nlh, family_cb, ctx);
	if (ret)
		return ret;
	return ctx->family_id ? 0 : -ENOENT;
}

int genl_open(struct genl_ctx **ctxp, const char *family, uint8_t version)
{
	struct genl_ctx *ctx;
	int one = 1;
	int ret;

	if (strlen(family) >= sizeof(ctx->family))
		return -ENAMETOOLONG;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->rxlen = GENL_RXBUF_SIZE;
	ctx->txlen = GENL_TXBUF_SIZE;
	ctx->rxbuf = malloc(ctx->rxlen);
	ctx->txbuf = malloc(ctx->txlen);
	if (!ctx->rxbuf || !ctx->txbuf) {
		ret = -ENOMEM;
		goto err_free;
	}
	snprintf(ctx->family, sizeof(ctx->family), "%s", family);
	ctx->version = version;
	ctx->seq = time(NULL);

	ctx->nl = mnl_socket_open(NETLINK_GENERIC);
	if (!ctx->nl) {
		ret = -errno;
		goto err_free;
	}
	/* Both are best effort: old kernels lack them and still work. */
	mnl_socket_setsockopt(ctx->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(ctx->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(ctx->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto err_free;
	}
	ctx->portid = mnl_socket_get_portid(ctx->nl);

	ret = resolve_family(ctx, family);
	if (ret)
		goto err_free;
	*ctxp = ctx;
	return 0;

err_free:
	genl_close(ctx);
	return ret;
}

void genl_close(struct genl_ctx *ctx)
{
	if (!ctx)
		return;
	if (ctx->nl)
		mnl_socket_close(ctx->nl);
	free(ctx->rxbuf);
	free(ctx->txbuf);
	free(ctx);
}

int genl_group_id(const struct genl_ctx *ctx, const char *name)
{
	unsigned int i;

	for (i = 0; i < ctx->ngroups; i++)
		if (!strcmp(ctx->groups[i].name, name))
			return ctx->groups[i].id;
	return -ENOENT;
}

int genl_subscribe(struct genl_ctx *ctx, const char *group)
{
	int id = genl_group_id(ctx, group);

	if (id < 0)
		return id;
	if (mnl_socket_setsockopt(ctx->nl, NETLINK_ADD_MEMBERSHIP, &id,
				  sizeof(id)) < 0)
		return -errno;
	return 0;
}

int genl_fd(const struct genl_ctx *ctx)
{
	return mnl_socket_get_fd(ctx->nl);
}

int genl_recv_notifications(struct genl_ctx *ctx, mnl_cb_t cb, void *data)
{
	struct request req = { .ctx = ctx, .cb = cb, .data = data };
	ssize_t len;
	int ret;

	len = mnl_socket_recvfrom(ctx->nl, ctx->rxbuf, ctx->rxlen);
	if (len < 0)
		return -errno;
	/* Notifications carry sequence number 0 and the kernel's port id 0. */
	ret = mnl_cb_run2(ctx->rxbuf, len, 0, 0, data_cb, &req, ctl_cbs,
			  NLMSG_MIN_TYPE);
	if (ret == MNL_CB_ERROR)
		return errno ? -errno : -EPROTO;
	return req.err;
}

void genl_perror(const struct genl_ctx *ctx, const char *what, int err)
{
	/* The kernel explains an EPERM that a capability would not lift. */
	if (ctx && ctx->extack[0])
		log_err("%s: %s (%s)", what, ctx->extack, strerror(-err));
	else if (err == -EPERM || err == -EACCES)
		log_err("%s: permission denied (CAP_NET_ADMIN needed)", what);
	else
		log_err("%s: %s", what, strerror(-err));
}

void genl_perror_open(const char *family, int err)
{
	if (err == -ENOENT) {
		log_err("%s: module not loaded (genetlink family '%s' not found)",
			family, family);
		return;
	}
	genl_perror(NULL, family, err);
}
