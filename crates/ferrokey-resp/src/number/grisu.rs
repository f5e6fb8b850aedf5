//! Grisu2 digit generation, reproducing the digits Valkey's `fpconv_dtoa` produces.
//!
//! Grisu2 (Loitsch, "Printing Floating-Point Numbers Quickly and Accurately with Integers",
//! 2010) works in 64-bit fixed point against a table of cached powers of ten. Its output always
//! parses back to the same double but is not always the shortest or the closest such string
//! (1e23 comes out as `9999999999999999` × 10^7), and Valkey sends exactly those digits, so
//! replies must use this algorithm rather than a shortest-digits formatter. All arithmetic is
//! the same 64-bit wrapping arithmetic as the reference, so the digits are bit-for-bit Valkey's.

/// A 64-bit fixed-point value: `frac × 2^exp`.
#[derive(Clone, Copy)]
struct Fp {
    frac: u64,
    exp: i32,
}

const FRAC_MASK: u64 = 0x000F_FFFF_FFFF_FFFF;
const EXP_MASK: u64 = 0x7FF0_0000_0000_0000;
const HIDDEN_BIT: u64 = 0x0010_0000_0000_0000;
const EXP_BIAS: i32 = 1023 + 52;

/// Powers of ten 10^-348, 10^-340, ..., 10^340 as rounded 64-bit significands and binary
/// exponents (computed exactly with big integers).
const FIRST_POWER: i32 = -348;
const POWER_STEP: i32 = 8;
const CACHED_POWERS: [(u64, i32); 87] = [
    (0xfa8fd5a0081c0288, -1220), // 1e-348
    (0xbaaee17fa23ebf76, -1193), // 1e-340
    (0x8b16fb203055ac76, -1166), // 1e-332
    (0xcf42894a5dce35ea, -1140), // 1e-324
    (0x9a6bb0aa55653b2d, -1113), // 1e-316
    (0xe61acf033d1a45df, -1087), // 1e-308
    (0xab70fe17c79ac6ca, -1060), // 1e-300
    (0xff77b1fcbebcdc4f, -1034), // 1e-292
    (0xbe5691ef416bd60c, -1007), // 1e-284
    (0x8dd01fad907ffc3c, -980),  // 1e-276
    (0xd3515c2831559a83, -954),  // 1e-268
    (0x9d71ac8fada6c9b5, -927),  // 1e-260
    (0xea9c227723ee8bcb, -901),  // 1e-252
    (0xaecc49914078536d, -874),  // 1e-244
    (0x823c12795db6ce57, -847),  // 1e-236
    (0xc21094364dfb5637, -821),  // 1e-228
    (0x9096ea6f3848984f, -794),  // 1e-220
    (0xd77485cb25823ac7, -768),  // 1e-212
    (0xa086cfcd97bf97f4, -741),  // 1e-204
    (0xef340a98172aace5, -715),  // 1e-196
    (0xb23867fb2a35b28e, -688),  // 1e-188
    (0x84c8d4dfd2c63f3b, -661),  // 1e-180
    (0xc5dd44271ad3cdba, -635),  // 1e-172
    (0x936b9fcebb25c996, -608),  // 1e-164
    (0xdbac6c247d62a584, -582),  // 1e-156
    (0xa3ab66580d5fdaf6, -555),  // 1e-148
    (0xf3e2f893dec3f126, -529),  // 1e-140
    (0xb5b5ada8aaff80b8, -502),  // 1e-132
    (0x87625f056c7c4a8b, -475),  // 1e-124
    (0xc9bcff6034c13053, -449),  // 1e-116
    (0x964e858c91ba2655, -422),  // 1e-108
    (0xdff9772470297ebd, -396),  // 1e-100
    (0xa6dfbd9fb8e5b88f, -369),  // 1e-92
    (0xf8a95fcf88747d94, -343),  // 1e-84
    (0xb94470938fa89bcf, -316),  // 1e-76
    (0x8a08f0f8bf0f156b, -289),  // 1e-68
    (0xcdb02555653131b6, -263),  // 1e-60
    (0x993fe2c6d07b7fac, -236),  // 1e-52
    (0xe45c10c42a2b3b06, -210),  // 1e-44
    (0xaa242499697392d3, -183),  // 1e-36
    (0xfd87b5f28300ca0e, -157),  // 1e-28
    (0xbce5086492111aeb, -130),  // 1e-20
    (0x8cbccc096f5088cc, -103),  // 1e-12
    (0xd1b71758e219652c, -77),   // 1e-4
    (0x9c40000000000000, -50),   // 1e4
    (0xe8d4a51000000000, -24),   // 1e12
    (0xad78ebc5ac620000, 3),     // 1e20
    (0x813f3978f8940984, 30),    // 1e28
    (0xc097ce7bc90715b3, 56),    // 1e36
    (0x8f7e32ce7bea5c70, 83),    // 1e44
    (0xd5d238a4abe98068, 109),   // 1e52
    (0x9f4f2726179a2245, 136),   // 1e60
    (0xed63a231d4c4fb27, 162),   // 1e68
    (0xb0de65388cc8ada8, 189),   // 1e76
    (0x83c7088e1aab65db, 216),   // 1e84
    (0xc45d1df942711d9a, 242),   // 1e92
    (0x924d692ca61be758, 269),   // 1e100
    (0xda01ee641a708dea, 295),   // 1e108
    (0xa26da3999aef774a, 322),   // 1e116
    (0xf209787bb47d6b85, 348),   // 1e124
    (0xb454e4a179dd1877, 375),   // 1e132
    (0x865b86925b9bc5c2, 402),   // 1e140
    (0xc83553c5c8965d3d, 428),   // 1e148
    (0x952ab45cfa97a0b3, 455),   // 1e156
    (0xde469fbd99a05fe3, 481),   // 1e164
    (0xa59bc234db398c25, 508),   // 1e172
    (0xf6c69a72a3989f5c, 534),   // 1e180
    (0xb7dcbf5354e9bece, 561),   // 1e188
    (0x88fcf317f22241e2, 588),   // 1e196
    (0xcc20ce9bd35c78a5, 614),   // 1e204
    (0x98165af37b2153df, 641),   // 1e212
    (0xe2a0b5dc971f303a, 667),   // 1e220
    (0xa8d9d1535ce3b396, 694),   // 1e228
    (0xfb9b7cd9a4a7443c, 720),   // 1e236
    (0xbb764c4ca7a44410, 747),   // 1e244
    (0x8bab8eefb6409c1a, 774),   // 1e252
    (0xd01fef10a657842c, 800),   // 1e260
    (0x9b10a4e5e9913129, 827),   // 1e268
    (0xe7109bfba19c0c9d, 853),   // 1e276
    (0xac2820d9623bf429, 880),   // 1e284
    (0x80444b5e7aa7cf85, 907),   // 1e292
    (0xbf21e44003acdd2d, 933),   // 1e300
    (0x8e679c2f5e44ff8f, 960),   // 1e308
    (0xd433179d9c8cb841, 986),   // 1e316
    (0x9e19db92b4e31ba9, 1013),  // 1e324
    (0xeb96bf6ebadf77d9, 1039),  // 1e332
    (0xaf87023b9bf0ee6b, 1066),  // 1e340
];

/// 10^19 down to 10^0.
const TENS: [u64; 20] = [
    10_000_000_000_000_000_000,
    1_000_000_000_000_000_000,
    100_000_000_000_000_000,
    10_000_000_000_000_000,
    1_000_000_000_000_000,
    100_000_000_000_000,
    10_000_000_000_000,
    1_000_000_000_000,
    100_000_000_000,
    10_000_000_000,
    1_000_000_000,
    100_000_000,
    10_000_000,
    1_000_000,
    100_000,
    10_000,
    1_000,
    100,
    10,
    1,
];

fn shl(value: u64, shift: i32) -> u64 {
    u32::try_from(shift)
        .ok()
        .and_then(|s| value.checked_shl(s))
        .unwrap_or(0)
}

fn shr(value: u64, shift: i32) -> u64 {
    u32::try_from(shift)
        .ok()
        .and_then(|s| value.checked_shr(s))
        .unwrap_or(0)
}

fn build_fp(value: f64) -> Fp {
    let bits = value.to_bits();
    let frac = bits & FRAC_MASK;
    let exp = ((bits & EXP_MASK) >> 52) as i32;
    if exp != 0 {
        Fp {
            frac: frac + HIDDEN_BIT,
            exp: exp - EXP_BIAS,
        }
    } else {
        Fp {
            frac,
            exp: -EXP_BIAS + 1,
        }
    }
}

fn normalize(mut fp: Fp) -> Fp {
    if fp.frac == 0 {
        return fp;
    }
    while fp.frac & HIDDEN_BIT == 0 {
        fp.frac <<= 1;
        fp.exp -= 1;
    }
    Fp {
        frac: fp.frac << 11,
        exp: fp.exp - 11,
    }
}

/// The lower and upper boundaries of the interval that rounds to `fp`, on a common exponent.
fn normalized_boundaries(fp: Fp) -> (Fp, Fp) {
    let mut upper = Fp {
        frac: (fp.frac << 1) + 1,
        exp: fp.exp - 1,
    };
    while upper.frac & (HIDDEN_BIT << 1) == 0 {
        upper.frac <<= 1;
        upper.exp -= 1;
    }
    upper = Fp {
        frac: upper.frac << 10,
        exp: upper.exp - 10,
    };
    let lower_shift = if fp.frac == HIDDEN_BIT { 2 } else { 1 };
    let lower_exp = fp.exp - lower_shift;
    let lower_frac = shl(
        shl(fp.frac, lower_shift).wrapping_sub(1),
        lower_exp - upper.exp,
    );
    (
        Fp {
            frac: lower_frac,
            exp: upper.exp,
        },
        upper,
    )
}

/// The product rounded to its upper 64 bits.
fn multiply(a: Fp, b: Fp) -> Fp {
    const LO_MASK: u64 = 0xFFFF_FFFF;
    let ah_bl = (a.frac >> 32) * (b.frac & LO_MASK);
    let al_bh = (a.frac & LO_MASK) * (b.frac >> 32);
    let al_bl = (a.frac & LO_MASK) * (b.frac & LO_MASK);
    let ah_bh = (a.frac >> 32) * (b.frac >> 32);
    let middle = (ah_bl & LO_MASK) + (al_bh & LO_MASK) + (al_bl >> 32) + (1 << 31);
    Fp {
        frac: ah_bh
            .wrapping_add(ah_bl >> 32)
            .wrapping_add(al_bh >> 32)
            .wrapping_add(middle >> 32),
        exp: a.exp + b.exp + 64,
    }
}

/// The cached power that brings a value with binary exponent `exp` into [-60, -32], and its
/// decimal exponent.
fn cached_power(exp: i32) -> (Fp, i32) {
    const ONE_LOG_TEN: f64 = 0.301_029_995_663_981_14;
    // The reference truncates the estimate to an integer and divides with C's truncation.
    let approx = (f64::from(-(exp + 87)) * ONE_LOG_TEN) as i32;
    let mut index = (approx - FIRST_POWER) / POWER_STEP;
    // The estimate is off by at most one step; the bound only guards against a broken table.
    for _ in 0..CACHED_POWERS.len() {
        let Some(&(frac, power_exp)) = usize::try_from(index)
            .ok()
            .and_then(|i| CACHED_POWERS.get(i))
        else {
            break;
        };
        let current = exp + power_exp + 64;
        if current < -60 {
            index += 1;
        } else if current > -32 {
            index -= 1;
        } else {
            return (
                Fp {
                    frac,
                    exp: power_exp,
                },
                FIRST_POWER + index * POWER_STEP,
            );
        }
    }
    (
        Fp {
            frac: 1 << 63,
            exp: -63,
        },
        0,
    )
}

/// Steps the last digit down while that brings the result closer to the exact value.
fn round_digit(digits: &mut [u8], count: usize, delta: u64, mut rest: u64, kappa: u64, frac: u64) {
    while rest < frac
        && delta.wrapping_sub(rest) >= kappa
        && (rest.wrapping_add(kappa) < frac
            || frac.wrapping_sub(rest) > rest.wrapping_add(kappa).wrapping_sub(frac))
    {
        if let Some(last) = count.checked_sub(1).and_then(|i| digits.get_mut(i)) {
            *last = last.wrapping_sub(1);
        }
        rest = rest.wrapping_add(kappa);
    }
}

fn push_digit(digits: &mut [u8; 20], count: &mut usize, digit: u64) {
    if digit != 0 || *count != 0 {
        if let Some(slot) = digits.get_mut(*count) {
            *slot = b'0' + (digit % 10) as u8;
            *count += 1;
        }
    }
}

fn generate_digits(w: Fp, upper: Fp, lower: Fp, digits: &mut [u8; 20], k: &mut i32) -> usize {
    let wfrac = upper.frac.wrapping_sub(w.frac);
    let mut delta = upper.frac.wrapping_sub(lower.frac);
    let one_shift = -upper.exp;
    let one_frac = shl(1, one_shift);
    let mut part1 = shr(upper.frac, one_shift);
    let mut part2 = upper.frac & one_frac.wrapping_sub(1);
    let mut count = 0;
    let mut kappa: i32 = 10;
    // Integral digits, dividing by 10^9 down to 10^0.
    for &divisor in &TENS[10..] {
        let digit = part1 / divisor;
        push_digit(digits, &mut count, digit);
        part1 -= digit * divisor;
        kappa -= 1;
        let rest = shl(part1, one_shift).wrapping_add(part2);
        if rest <= delta {
            *k += kappa;
            round_digit(digits, count, delta, rest, shl(divisor, one_shift), wfrac);
            return count;
        }
    }
    // Fractional digits; `unit` is 10^(digits generated here).
    for &unit in TENS[..19].iter().rev() {
        part2 = part2.wrapping_mul(10);
        delta = delta.wrapping_mul(10);
        kappa -= 1;
        push_digit(digits, &mut count, shr(part2, one_shift));
        part2 &= one_frac.wrapping_sub(1);
        if part2 < delta {
            *k += kappa;
            round_digit(
                digits,
                count,
                delta,
                part2,
                one_frac,
                wfrac.wrapping_mul(unit),
            );
            return count;
        }
    }
    count
}

/// The Grisu2 digits of a finite, nonzero `value` (sign ignored): the digit buffer, the number
/// of digits, and `k` such that the value is `digits × 10^k`.
pub(super) fn grisu2(value: f64) -> ([u8; 20], usize, i32) {
    let w = build_fp(value.abs());
    let (lower, upper) = normalized_boundaries(w);
    let w = normalize(w);
    let (power, power_k) = cached_power(upper.exp);
    let w = multiply(w, power);
    let mut upper = multiply(upper, power);
    let mut lower = multiply(lower, power);
    lower.frac = lower.frac.wrapping_add(1);
    upper.frac = upper.frac.wrapping_sub(1);
    let mut k = -power_k;
    let mut digits = [0u8; 20];
    let count = generate_digits(w, upper, lower, &mut digits, &mut k);
    (digits, count, k)
}
