//! Hostile: speaks the component ABI wrongly. Its `evaluate` is written by hand (the bindings
//! only describe the world) and returns a result whose discriminant is neither `ok` nor `err`;
//! the host must refuse to read it.

// Exporting a core function by hand for the canonical ABI.
#![allow(unsafe_code)]

// The world's description, which makes this a component of `agent-policy:plugin`; the export
// glue it would generate is replaced by the function below.
#[allow(dead_code)]
mod bindings {
    agent_policy_plugin::__wit_bindgen::generate!({
        path: "../../../wit",
        world: "plugin",
        runtime_path: "agent_policy_plugin::__wit_bindgen::rt",
    });
}

/// The return area: a `result` discriminant, then a pointer and a length.
#[repr(C, align(4))]
struct ReturnArea([u8; 12]);

static mut RETURN_AREA: ReturnArea = ReturnArea([0; 12]);

/// `evaluate(input) -> result<list<finding>, string>`, flattened: the three strings of the
/// input as (pointer, length) pairs in, the address of the return area out.
#[unsafe(export_name = "evaluate")]
pub extern "C" fn evaluate(_a: i32, _b: i32, _c: i32, _d: i32, _e: i32, _f: i32) -> *mut u8 {
    let area = &raw mut RETURN_AREA;
    // SAFETY: single-threaded; the area is only written here and read by the host after return.
    unsafe {
        (*area).0 = [7, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0x7f];
        (*area).0.as_mut_ptr()
    }
}
