/**
 * NVMe constants: opcodes, command fields, Identify CNS values, status codes, and the
 * `nvme_uring_cmd` ioctl numbers — the twins of include/linux/nvme.h and
 * include/uapi/linux/nvme_ioctl.h, with the spec section each comes from.
 * @kernel include/linux/nvme.h
 */

/** Memory page size the host programs into CC.MPS (Linux fixes it at 4 KiB). @kernel drivers/nvme/host/nvme.h NVME_CTRL_PAGE_SIZE */
export const NVME_CTRL_PAGE_SHIFT = 12;
export const NVME_CTRL_PAGE_SIZE = 1 << NVME_CTRL_PAGE_SHIFT;

/** Size of a submission queue entry (NVMe base spec §4.2, "Submission Queue Entry"). */
export const NVME_COMMAND_SIZE = 64;
/** Size of a completion queue entry (NVMe base spec §4.2.1). */
export const NVME_COMPLETION_SIZE = 16;
/** Size of an Identify data structure (NVMe base spec §5.1.13). */
export const NVME_IDENTIFY_DATA_SIZE = 4096;

// ---- NVM command set I/O opcodes (NVM command set spec §3, Figure "Opcodes for NVM Commands")
export const nvme_cmd_flush = 0x00;
export const nvme_cmd_write = 0x01;
export const nvme_cmd_read = 0x02;
export const nvme_cmd_write_uncor = 0x04;
export const nvme_cmd_compare = 0x05;
export const nvme_cmd_write_zeroes = 0x08;
export const nvme_cmd_dsm = 0x09;
export const nvme_cmd_verify = 0x0c;

// ---- admin opcodes (NVMe base spec §5, Figure "Opcodes for Admin Commands")
export const nvme_admin_get_log_page = 0x02;
export const nvme_admin_identify = 0x06;
export const nvme_admin_get_features = 0x0a;

// ---- command dword 0 (base spec §4.2, Figure "Command Dword 0")
/** FUSE field, bits 1:0 of the flags byte. */
export const NVME_CMD_FUSE_FIRST = 1 << 0;
export const NVME_CMD_FUSE_SECOND = 1 << 1;
/** PSDT = 01b: SGLs for data, MPTR is a contiguous buffer (bits 7:6 of the flags byte). */
export const NVME_CMD_SGL_METABUF = 1 << 6;
/** PSDT = 10b: SGLs for data, MPTR points to an SGL segment. */
export const NVME_CMD_SGL_METASEG = 1 << 7;
export const NVME_CMD_SGL_ALL = NVME_CMD_SGL_METABUF | NVME_CMD_SGL_METASEG;

// ---- Read/Write CDW12 "control" (upper 16 bits) and CDW13 (NVM command set spec §3.2.4/§3.2.6)
export const NVME_RW_LR = 1 << 15;
export const NVME_RW_FUA = 1 << 14;
export const NVME_RW_PRINFO_PRACT = 1 << 13;
export const NVME_RW_DSM_FREQ_PREFETCH = 7;
/** Write Zeroes CDW12 bit 25: deallocate (NVM command set spec §3.2.8). */
export const NVME_WZ_DEAC = 1 << 25;

// ---- Dataset Management (NVM command set spec §3.2.3)
/** CDW11 attribute: Integral Dataset for Read. */
export const NVME_DSMGMT_IDR = 1 << 0;
/** CDW11 attribute: Integral Dataset for Write. */
export const NVME_DSMGMT_IDW = 1 << 1;
/** CDW11 attribute: Deallocate. */
export const NVME_DSMGMT_AD = 1 << 2;
/** Most ranges one DSM command carries (NR is 8 bits, 0's based). */
export const NVME_DSM_MAX_RANGES = 256;
/** Bytes per range descriptor: context attributes, length in LBAs, starting LBA. */
export const NVME_DSM_RANGE_SIZE = 16;

// ---- Identify CNS values (base spec §5.1.13, Figure "CNS Values")
export const NVME_ID_CNS_NS = 0x00;
export const NVME_ID_CNS_CTRL = 0x01;
export const NVME_ID_CNS_NS_ACTIVE_LIST = 0x02;
export const NVME_CSI_NVM = 0;

// ---- Identify Controller ONCS bits (base spec, Identify Controller byte 520)
export const NVME_CTRL_ONCS_COMPARE = 1 << 0;
export const NVME_CTRL_ONCS_WRITE_UNCORRECTABLE = 1 << 1;
export const NVME_CTRL_ONCS_DSM = 1 << 2;
export const NVME_CTRL_ONCS_WRITE_ZEROES = 1 << 3;
export const NVME_CTRL_VWC_PRESENT = 1 << 0;
/** SGLS bits 1:0: 01b SGLs supported with no alignment rule, 10b with dword alignment. */
export const NVME_CTRL_SGLS_BYTE_ALIGNED = 1;
export const NVME_CTRL_SGLS_DWORD_ALIGNED = 2;
export const NVME_CTRL_SGLS_MASK = 3;
/** FLBAS: low four bits of the LBA format index, bits 6:5 the upper two. */
export const NVME_NS_FLBAS_LBA_MASK = 0xf;
export const NVME_NS_FLBAS_LBA_UMASK = 0x60;
export const NVME_NS_FLBAS_LBA_SHIFT = 1;
export const NVME_NS_FLBAS_META_EXT = 0x10;
/** NSFEAT bit 2: the deallocated-or-unwritten error is supported; DLFEAT bit 3: Write Zeroes may deallocate. */
export const NVME_NS_DLFEAT_WRITE_ZEROES = 1 << 3;

// ---- SGL descriptor types (base spec §4.3.2, Figure "SGL Descriptor Type"): identifier = type << 4 | subtype
export const NVME_SGL_FMT_DATA_DESC = 0x00;
export const NVME_SGL_FMT_SEG_DESC = 0x02;
export const NVME_SGL_FMT_LAST_SEG_DESC = 0x03;
export const NVME_KEY_SGL_FMT_DATA_DESC = 0x04;
export const NVME_TRANSPORT_SGL_DATA_DESC = 0x05;
/** Bytes per SGL descriptor. */
export const NVME_SGL_DESC_SIZE = 16;

// ---- status field (base spec §4.2.3): Linux keeps it shifted right by one (phase bit dropped)
export const NVME_SC_MASK = 0x00ff;
export const NVME_SCT_MASK = 0x0700;
export const NVME_SCT_SC_MASK = NVME_SCT_MASK | NVME_SC_MASK;
export const NVME_STATUS_CRD = 0x1800;
export const NVME_STATUS_MORE = 0x2000;
export const NVME_STATUS_DNR = 0x4000;

export const NVME_SCT_GENERIC = 0x0;
export const NVME_SCT_COMMAND_SPECIFIC = 0x1;
export const NVME_SCT_MEDIA_ERROR = 0x2;
export const NVME_SCT_PATH = 0x3;
export const NVME_SCT_VENDOR = 0x7;

// generic command status (SCT 0)
export const NVME_SC_SUCCESS = 0x0;
export const NVME_SC_INVALID_OPCODE = 0x1;
export const NVME_SC_INVALID_FIELD = 0x2;
export const NVME_SC_CMDID_CONFLICT = 0x3;
export const NVME_SC_DATA_XFER_ERROR = 0x4;
export const NVME_SC_POWER_LOSS = 0x5;
export const NVME_SC_INTERNAL = 0x6;
export const NVME_SC_ABORT_REQ = 0x7;
export const NVME_SC_ABORT_QUEUE = 0x8;
export const NVME_SC_INVALID_NS = 0xb;
export const NVME_SC_SGL_INVALID_DATA = 0xf;
export const NVME_SC_PRP_INVALID_OFFSET = 0x13;
export const NVME_SC_CMD_INTERRUPTED = 0x21;
export const NVME_SC_LBA_RANGE = 0x80;
export const NVME_SC_CAP_EXCEEDED = 0x81;
export const NVME_SC_NS_NOT_READY = 0x82;
export const NVME_SC_RESERVATION_CONFLICT = 0x83;
// NVM command set specific (SCT 1)
export const NVME_SC_BAD_ATTRIBUTES = 0x180;
export const NVME_SC_INVALID_PI = 0x181;
export const NVME_SC_READ_ONLY = 0x182;
/** 0x183: "Command Size Limit Exceeded" in NVM 1.0; Linux calls it NVME_SC_ONCS_NOT_SUPPORTED. */
export const NVME_SC_ONCS_NOT_SUPPORTED = 0x183;
export const NVME_SC_ZONE_TOO_MANY_ACTIVE = 0x1bd;
export const NVME_SC_ZONE_TOO_MANY_OPEN = 0x1be;
// media and data integrity errors (SCT 2)
export const NVME_SC_WRITE_FAULT = 0x280;
export const NVME_SC_READ_ERROR = 0x281;
export const NVME_SC_GUARD_CHECK = 0x282;
export const NVME_SC_APPTAG_CHECK = 0x283;
export const NVME_SC_REFTAG_CHECK = 0x284;
export const NVME_SC_COMPARE_FAILED = 0x285;
export const NVME_SC_ACCESS_DENIED = 0x286;
export const NVME_SC_UNWRITTEN_BLOCK = 0x287;
// path related (SCT 3)
export const NVME_SC_HOST_PATH_ERROR = 0x370;

// ---- include/uapi/linux/nvme_ioctl.h: _IOWR('N', 0x80 + n, struct nvme_uring_cmd) with sizeof = 72
/** Size of `struct nvme_uring_cmd`. */
export const NVME_URING_CMD_SIZE = 72;
export const NVME_URING_CMD_IO = 0xc0484e80;
export const NVME_URING_CMD_IO_VEC = 0xc0484e81;
export const NVME_URING_CMD_ADMIN = 0xc0484e82;
export const NVME_URING_CMD_ADMIN_VEC = 0xc0484e83;
