//! Hostile files given to the offline verifier: each is refused (or read) quickly and with
//! bounded memory, never by a panic, an abort or exhausting the machine. Memory is measured by
//! an allocator that counts what the test's own thread holds at most.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::{Duration, Instant};

use common::*;
use prenota_verify::{MAX_INPUT_BYTES, Outcome, codes_in_pdf, keys_from_json, verify};

struct Counting;

thread_local! {
    static HELD: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

fn grew(bytes: usize) {
    let _ = HELD.try_with(|held| {
        held.set(held.get() + bytes);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(held.get())));
    });
}

fn shrank(bytes: usize) {
    let _ = HELD.try_with(|held| held.set(held.get().saturating_sub(bytes)));
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            grew(layout.size());
        }
        pointer
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let pointer = unsafe { System.alloc_zeroed(layout) };
        if !pointer.is_null() {
            grew(layout.size());
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        unsafe { System.dealloc(pointer, layout) };
        shrank(layout.size());
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, size: usize) -> *mut u8 {
        let moved = unsafe { System.realloc(pointer, layout, size) };
        if !moved.is_null() {
            shrank(layout.size());
            grew(size);
        }
        moved
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f`, and says how long it took and the most memory this thread held meanwhile beyond
/// what it held before.
fn measured<T>(f: impl FnOnce() -> T) -> (T, Duration, usize) {
    let before = HELD.with(Cell::get);
    PEAK.with(|peak| peak.set(before));
    let started = Instant::now();
    let result = f();
    let elapsed = started.elapsed();
    let peak = PEAK.with(Cell::get) - before;
    (result, elapsed, peak)
}

const MIB: usize = 1024 * 1024;

/// The bounds every hostile file must be refused within (a debug build; release is ~20×
/// faster): the stream cap bounds memory, so tens of MB, not the gigabytes asked for.
const QUICK: Duration = Duration::from_secs(10);
const SMALL: usize = 64 * MIB;

fn refused(input: &[u8]) -> (String, Duration, usize) {
    let (result, elapsed, peak) = measured(|| verify(input, &keys()));
    let message = match result {
        Ok(Outcome::Genuine(_)) => panic!("a hostile file verified as genuine"),
        Ok(Outcome::Forged(reason)) => format!("forged: {}", reason.as_str()),
        Err(error) => format!("{error:#}"),
    };
    eprintln!(
        "{} bytes: {message} in {elapsed:?}, at most {:.1} MiB held",
        input.len(),
        peak as f64 / MIB as f64
    );
    assert!(elapsed < QUICK, "{elapsed:?}");
    assert!(peak < SMALL + input.len(), "{peak} bytes held");
    (message, elapsed, peak)
}

/// 16.6 million copies of 258 bytes: 4 GiB of zeros in 4 MB.
const FOUR_GIB: u64 = 16_650_000;

#[test]
fn the_bomb_inflates_as_built() {
    // Each copy adds 258 zero bytes: checked exactly on a small bomb, so the 4 GiB one (the same
    // block with more copies) inflates to 4 GiB.
    let small = lopdf::Stream::new(
        lopdf::dictionary! { "Filter" => "FlateDecode" },
        zlib_bomb(3999),
    );
    let inflated = small.decompressed_content().expect("a valid zlib stream");
    assert_eq!(inflated.len(), 258 * 3999 + 1);
    assert!(inflated.iter().all(|&b| b == 0));
    let bomb = zlib_bomb(FOUR_GIB);
    assert!(bomb.len() < 5 * MIB, "{} bytes", bomb.len());
    eprintln!(
        "{} bytes inflate to {} bytes",
        bomb.len(),
        258 * FOUR_GIB + 1
    );
}

#[test]
fn a_zip_bomb_image_is_refused_quickly_with_bounded_memory() {
    let bomb = zlib_bomb(FOUR_GIB);
    // A small image, as declared: its stream inflates no further than its pixels need.
    let mut objects = catalogue_objects();
    objects.push(stream(
        "/Type /XObject /Subtype /Image /Width 1000 /Height 1000 /ColorSpace /DeviceGray \
         /BitsPerComponent 8 /Filter /FlateDecode",
        &bomb,
    ));
    let (message, ..) = refused(&pdf(&objects));
    assert!(message.contains("no receipt QR code"), "{message}");

    // The image large enough for the bomb: refused by its declared size, before inflating.
    let mut objects = catalogue_objects();
    objects.push(stream(
        "/Type /XObject /Subtype /Image /Width 65536 /Height 65536 /ColorSpace /DeviceGray \
         /BitsPerComponent 8 /Filter /FlateDecode",
        &bomb,
    ));
    let (message, ..) = refused(&pdf(&objects));
    assert!(message.contains("too large"), "{message}");

    // Filters stacked: each layer is bounded.
    let mut objects = catalogue_objects();
    objects.push(stream(
        "/Type /XObject /Subtype /Image /Width 4000 /Height 4000 /ColorSpace /DeviceGray \
         /BitsPerComponent 8 /Filter [/FlateDecode /FlateDecode]",
        &deflated(&zlib_bomb(FOUR_GIB / 16)),
    ));
    refused(&pdf(&objects));
}

#[test]
fn zip_bombs_elsewhere_in_a_pdf_are_never_inflated_whole() {
    let bomb = zlib_bomb(FOUR_GIB);
    // A page's content stream: the verifier never inflates it.
    let mut objects = catalogue_objects();
    objects.push(stream("/Filter /FlateDecode", &bomb));
    refused(&pdf(&objects));

    // An object stream: left out by the loader.
    let mut objects = catalogue_objects();
    objects.push(stream(
        "/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode",
        &bomb,
    ));
    refused(&pdf(&objects));

    // A cross-reference stream: the table is not read, so not inflated either.
    let mut input = b"%PDF-1.7\n".to_vec();
    let offset = input.len();
    input.extend_from_slice(b"1 0 obj\n");
    input.extend_from_slice(&stream(
        "/Type /XRef /Size 2 /W [1 4 1] /Root 1 0 R /Filter /FlateDecode",
        &bomb,
    ));
    input.extend_from_slice(format!("\nendobj\nstartxref\n{offset}\n%%EOF\n").as_bytes());
    refused(&input);
}

#[test]
fn an_object_stream_naming_one_large_object_a_thousand_times_is_left_out() {
    // 2000 object numbers, all at offset 0 of a 256 KiB string: a loader that parses each
    // copies the string 2000 times (512 MiB); this one never opens the stream.
    let count = 2000;
    let index: String = (0..count).map(|n| format!("{} 0 ", n + 10)).collect();
    let mut content = index.clone().into_bytes();
    content.push(b'(');
    content.extend(std::iter::repeat_n(b'a', 256 * 1024));
    content.push(b')');
    let mut objects = catalogue_objects();
    objects.push(stream(
        &format!("/Type /ObjStm /N {count} /First {}", index.len()),
        &content,
    ));
    refused(&pdf(&objects));
    let mut objects = catalogue_objects();
    objects.push(stream(
        &format!(
            "/Type /ObjStm /N {count} /First {} /Filter /FlateDecode",
            index.len()
        ),
        &deflated(&content),
    ));
    refused(&pdf(&objects));
}

#[test]
fn a_table_naming_one_large_object_two_thousand_times_costs_one_reading() {
    // lopdf's loader parses the object once for every entry naming its offset and holds every
    // copy: this 300 KB file took it 30 s and 500 MiB (debug build). The verifier does not read
    // the table.
    let count = 2000;
    let mut input = b"%PDF-1.7\n".to_vec();
    let offset = input.len();
    input.extend_from_slice(b"3 0 obj\n(");
    input.extend(std::iter::repeat_n(b'a', 256 * 1024));
    input.extend_from_slice(b")\nendobj\n");
    let xref = input.len();
    input.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", count + 1).as_bytes());
    for _ in 0..count {
        input.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    input.extend_from_slice(
        format!(
            "trailer\n<< /Size {} >>\nstartxref\n{xref}\n%%EOF\n",
            count + 1
        )
        .as_bytes(),
    );
    let (_, elapsed, peak) = refused(&input);
    assert!(elapsed < Duration::from_secs(1), "{elapsed:?}");
    assert!(peak < 4 * MIB, "{peak} bytes held");
}

#[test]
fn huge_declared_image_sizes_are_refused_before_anything_is_allocated() {
    for (width, height) in [
        ("2147483647", "2147483647"),
        ("4294967295", "4294967295"),
        ("4294967296", "1"),
        ("99999999999999999999", "1"),
        ("-1", "-1"),
        ("0", "100"),
        ("100000", "100000"),
        ("16384", "16384"),
        ("1.5e10", "3"),
    ] {
        for (colour, filter) in [
            ("/DeviceGray", ""),
            ("/DeviceRGB", "/Filter /FlateDecode"),
            ("/DeviceGray", "/Filter /DCTDecode"),
        ] {
            let mut objects = catalogue_objects();
            objects.push(stream(
                &format!(
                    "/Type /XObject /Subtype /Image /Width {width} /Height {height} \
                     /ColorSpace {colour} /BitsPerComponent 8 {filter}"
                ),
                b"\x00\x01\x02",
            ));
            refused(&pdf(&objects));
        }
    }
    // A predictor whose rows are gigabytes wide (the inflater allocates a row first).
    for parameters in [
        "/Predictor 12 /Columns 4294967295 /BitsPerComponent 16",
        "/Predictor 15 /Columns 9223372036854775807 /Colors 9223372036854775807",
        "/Predictor 10 /Columns 20 /Colors 1000000000",
        "/Predictor 11 /Columns -5",
    ] {
        for filter in ["/FlateDecode", "/LZWDecode", "[/FlateDecode /FlateDecode]"] {
            let mut objects = catalogue_objects();
            objects.push(stream(
                &format!(
                    "/Type /XObject /Subtype /Image /Width 20 /Height 20 /ColorSpace /DeviceGray \
                     /BitsPerComponent 8 /Filter {filter} /DecodeParms << {parameters} >>"
                ),
                &deflated(&[2; 420]),
            ));
            refused(&pdf(&objects));
        }
    }
    // A JPEG inside a PDF saying it is small, whose own header says it is huge.
    let mut objects = catalogue_objects();
    objects.push(stream(
        "/Type /XObject /Subtype /Image /Width 10 /Height 10 /ColorSpace /DeviceGray \
         /BitsPerComponent 8 /Filter /DCTDecode",
        &png_header(100_000, 100_000),
    ));
    refused(&pdf(&objects));
}

#[test]
fn huge_declared_photo_sizes_are_refused_from_the_header() {
    for (width, height) in [
        (100_000, 100_000),
        (u32::MAX, u32::MAX),
        (16_384, 16_384), // each side allowed, too many pixels
        (1, 2_000_000_000),
    ] {
        let (message, ..) = refused(&png_header(width, height));
        assert!(message.contains("image"), "{message}");
    }
}

#[test]
fn deep_nesting_is_refused_without_exhausting_the_stack() {
    let depth = 100_000;
    let arrays = [vec![b'['; depth], vec![b']'; depth]].concat();
    let dictionaries = [b"<< /A ".repeat(depth), b">>".repeat(depth)].concat();
    let strings = [vec![b'('; depth], vec![b')'; depth]].concat();
    for nested in [&arrays, &dictionaries, &strings] {
        let mut objects = catalogue_objects();
        objects.push(nested.clone());
        objects.push(stream(
            &format!(
                "/Type /XObject /Subtype /Image /Width 1 /Height 1 /Nested {}",
                String::from_utf8_lossy(nested)
            ),
            b"\x00",
        ));
        refused(&pdf(&objects));
        // In the trailer, where the loader looks first.
        refused(&pdf_with_trailer(
            &catalogue_objects(),
            &format!("/Info {}", String::from_utf8_lossy(nested)),
        ));
    }
    // The key file too.
    let json = format!("{{\"keys\": {}{}}}", "[".repeat(depth), "]".repeat(depth));
    assert!(keys_from_json(&json).is_err());
}

#[test]
fn encrypted_pdfs_are_refused() {
    for name in ["/Encrypt", "/Encr#79pt", "/#45ncrypt"] {
        let mut objects = catalogue_objects();
        objects.push(b"<< /Filter /Standard /V 1 /R 2 /O (x) /U (y) /P -4 >>".to_vec());
        let input = pdf_with_trailer(&objects, &format!("{name} 3 0 R /ID [(a) (a)]"));
        let (message, ..) = refused(&input);
        assert!(message.contains("encrypted"), "{name}: {message}");
    }
}

#[test]
fn an_input_past_the_size_cap_is_refused_unread() {
    for start in [b"%PDF-1.7\n".as_slice(), b"\x89PNG\r\n\x1a\n", b"PR2:"] {
        let mut input = vec![b' '; MAX_INPUT_BYTES + 1];
        input[..start.len()].copy_from_slice(start);
        let (result, elapsed, _) = measured(|| verify(&input, &keys()));
        let message = format!("{:#}", result.err().expect("refused"));
        assert!(message.contains("never larger"), "{message}");
        assert!(elapsed < Duration::from_millis(100), "{elapsed:?}");
        assert!(codes_in_pdf(&input).is_err());
    }
    // A receipt code as long as the whole input: not decoded, not a receipt.
    let mut long = b"PR2:".to_vec();
    long.extend(std::iter::repeat_n(b'0', 10 * MIB));
    let (message, ..) = refused(&long);
    assert_eq!(message, "forged: unreadable");
}

#[test]
fn a_hand_made_pdf_of_the_receipt_is_read() {
    // The builders above make PDFs the verifier reads: the QR code as raw grey pixels, and
    // deflated, is found.
    let image = qr_image(2);
    let dict = format!(
        "/Type /XObject /Subtype /Image /Width {} /Height {} /ColorSpace /DeviceGray \
         /BitsPerComponent 8",
        image.width(),
        image.height()
    );
    for (dict, content) in [
        (dict.clone(), image.as_raw().clone()),
        (
            format!("{dict} /Filter /FlateDecode"),
            deflated(image.as_raw()),
        ),
    ] {
        let mut objects = catalogue_objects();
        objects.push(stream(&dict, &content));
        match verify(&pdf(&objects), &keys()).expect("read") {
            Outcome::Genuine(found) => assert_eq!(*found, data()),
            Outcome::Forged(reason) => panic!("forged: {}", reason.as_str()),
        }
    }
}
