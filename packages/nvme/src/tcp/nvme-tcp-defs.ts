/**
 * NVMe/TCP transport constants: PDU types, header flags, header lengths, ICReq/ICResp fields and
 * the fatal error status of a TermReq — NVMe/TCP transport spec 1.0 §3.6 ("PDU formats").
 * @kernel include/linux/nvme-tcp.h
 */

/** PDU format version the host speaks (ICReq PFV). */
export const NVME_TCP_PFV_1_0 = 0x0;
/** Bytes of the common header every PDU starts with: type, flags, hlen, pdo, plen. */
export const NVME_TCP_CH_SIZE = 8;
/** Size of a header or data digest (CRC32C, little endian). */
export const NVME_TCP_DIGEST_LENGTH = 4;
/** Default and minimum MAXH2CDATA a controller may announce. */
export const NVME_TCP_MIN_MAXH2CDATA = 4096;
/** Admin queue in-capsule data size the host assumes (the kernel's NVME_TCP_ADMIN_CCSZ). */
export const NVME_TCP_ADMIN_CCSZ = 8192;

// ---- enum nvme_tcp_pdu_type
export const nvme_tcp_icreq = 0x0;
export const nvme_tcp_icresp = 0x1;
export const nvme_tcp_h2c_term = 0x2;
export const nvme_tcp_c2h_term = 0x3;
export const nvme_tcp_cmd = 0x4;
export const nvme_tcp_rsp = 0x5;
export const nvme_tcp_h2c_data = 0x6;
export const nvme_tcp_c2h_data = 0x7;
export const nvme_tcp_r2t = 0x9;

/** Names for messages, indexed by PDU type. */
export const NVME_TCP_PDU_NAMES: Readonly<Record<number, string>> = {
  0x0: 'ICReq', 0x1: 'ICResp', 0x2: 'H2CTermReq', 0x3: 'C2HTermReq', 0x4: 'CapsuleCmd', 0x5: 'CapsuleResp',
  0x6: 'H2CData', 0x7: 'C2HData', 0x9: 'R2T',
};

// ---- enum nvme_tcp_pdu_flags (common header byte 1)
export const NVME_TCP_F_HDGST = 1 << 0;
export const NVME_TCP_F_DDGST = 1 << 1;
export const NVME_TCP_F_DATA_LAST = 1 << 2;
export const NVME_TCP_F_DATA_SUCCESS = 1 << 3;

// ---- ICReq/ICResp DGST byte (enum nvme_tcp_digest_option)
export const NVME_TCP_HDR_DIGEST_ENABLE = 1 << 0;
export const NVME_TCP_DATA_DIGEST_ENABLE = 1 << 1;

// ---- header lengths (HLEN) of each PDU type
/** ICReq and ICResp: 128 bytes, no digest, no data. */
export const NVME_TCP_IC_SIZE = 128;
/** CapsuleCmd: common header + the 64-byte SQE. */
export const NVME_TCP_CMD_HLEN = 72;
/** CapsuleResp: common header + the 16-byte CQE. */
export const NVME_TCP_RSP_HLEN = 24;
/** H2CData, C2HData, R2T and TermReq headers are all 24 bytes. */
export const NVME_TCP_DATA_HLEN = 24;
export const NVME_TCP_R2T_HLEN = 24;
export const NVME_TCP_TERM_HLEN = 24;
/** Most bytes of the offending PDU a TermReq carries (its data). */
export const NVME_TCP_TERM_MAX_DATA = 128;

// ---- enum nvme_tcp_fatal_error_status (TermReq FES)
export const NVME_TCP_FES_INVALID_PDU_HDR = 0x01;
export const NVME_TCP_FES_PDU_SEQ_ERR = 0x02;
export const NVME_TCP_FES_HDR_DIGEST_ERR = 0x03;
export const NVME_TCP_FES_DATA_OUT_OF_RANGE = 0x04;
export const NVME_TCP_FES_R2T_LIMIT_EXCEEDED = 0x05;
export const NVME_TCP_FES_DATA_LIMIT_EXCEEDED = 0x05;
export const NVME_TCP_FES_UNSUPPORTED_PARAM = 0x06;

// ---- SGL descriptor types used by NVMe over Fabrics (include/linux/nvme.h)
/** SGL subtype "offset": an in-capsule Data Block (type 0, subtype 1 → 0x01). */
export const NVME_SGL_FMT_OFFSET = 0x01;
/** SGL subtype "transport specific A": data moved by the transport (H2C/C2H), type 5 → 0x5A. */
export const NVME_SGL_FMT_TRANSPORT_A = 0x0a;

// ---- Fabrics commands (NVMe over Fabrics spec §6, include/linux/nvme.h enum nvmf_fabrics_opcode)
export const nvme_fabrics_command = 0x7f;
export const nvme_fabrics_type_property_set = 0x00;
export const nvme_fabrics_type_connect = 0x01;
export const nvme_fabrics_type_property_get = 0x04;
export const nvme_fabrics_type_disconnect = 0x08;
/** Keep Alive (admin 18h). */
export const nvme_admin_keep_alive = 0x18;
/** Size of `struct nvmf_connect_data` (host ID, controller ID, SUBNQN, HOSTNQN). */
export const NVMF_CONNECT_DATA_SIZE = 1024;
/** NQN field size in the Connect data (NUL padded). */
export const NVMF_NQN_FIELD_LEN = 256;
/** Connect to the admin queue asking for a dynamic controller. */
export const NVME_CNTLID_DYNAMIC = 0xffff;

// ---- controller properties (NVMe base spec §3.1.4) and their bits
export const NVME_REG_CAP = 0x00;
export const NVME_REG_VS = 0x08;
export const NVME_REG_CC = 0x14;
export const NVME_REG_CSTS = 0x1c;
export const NVME_CC_ENABLE = 1 << 0;
export const NVME_CC_CSS_NVM = 0 << 4;
export const NVME_CC_MPS_SHIFT = 7;
export const NVME_CC_AMS_RR = 0 << 11;
export const NVME_CC_SHN_NONE = 0 << 14;
export const NVME_CC_IOSQES = 6 << 16;
export const NVME_CC_IOCQES = 4 << 20;
export const NVME_CSTS_RDY = 1 << 0;
export const NVME_CSTS_CFS = 1 << 1;

/** Host-side status for a request whose data digest failed (NVME_SC_DATA_XFER_ERROR). */
export const NVME_SC_DATA_XFER_ERROR = 0x4;
/** Fabrics Connect command-specific status: Connect Invalid Parameters (SCT 1, SC 82h). */
export const NVME_SC_CONNECT_INVALID_PARAM = 0x182;
/** Fabrics Connect: Controller Busy / restart (SCT 1, SC 81h). */
export const NVME_SC_CONNECT_CTRL_BUSY = 0x181;
