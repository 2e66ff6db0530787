import Foundation
import KioskCore
import Testing

@testable import KioskDaemon

/// The face comparison's screens in the screen state (docs/ui-api.md): their own screens, the attempts left after a
/// mismatch, and the page's `captureFace` event.
struct UIScreenStateFaceTests {
    private func project(_ step: FlowStepName, _ memory: UIMemory) -> ScreenState {
        ScreenProjection.project(UIScreenStateTests.view(step), memory: memory, outOfService: nil)
    }

    @Test func faceSteps_haveTheirOwnScreens_andFaceIsSetOnlyThere() {
        var memory = UIMemory()
        memory.absorb(UIScreenStateTests.view(.capturingFace))
        let capture = project(.capturingFace, memory)
        #expect(capture.screen == .captureFace)
        #expect(capture.face == ScreenState.Face(attemptsLeft: nil))
        #expect(capture.identity?.maskedIDNumber == UIScreenStateTests.card.idNumber.masked)
        // A citizen step: the countdown runs while the citizen stands in front of the camera.
        #expect(capture.deadline != nil)
        #expect(project(.verifyingFace, memory).screen == .verifyingFace)
        for step in FlowStepName.allCases where step != .capturingFace && step != .verifyingFace {
            #expect(project(step, memory).face == nil, "\(step)")
        }
        let json = capture.at(UIScreenStateTests.now).json()
        #expect(json.contains(#""face":{"attemptsLeft":null}"#), "\(json)")
        #expect(json.contains(#""screen":"captureFace""#))
    }

    @Test func aMismatch_showsTheAttemptsLeft_untilTheFaceStepsAreLeft() {
        var memory = UIMemory()
        memory.absorb(UIScreenStateTests.view(.verifyingFace))
        #expect(memory.absorb(.faceMismatch(attemptsLeft: 2), at: UIScreenStateTests.now) == nil)
        memory.absorb(UIScreenStateTests.view(.capturingFace))
        #expect(project(.capturingFace, memory).face?.attemptsLeft == 2)
        #expect(project(.capturingFace, memory).at(UIScreenStateTests.now).json().contains(#""attemptsLeft":2}"#))
        memory.absorb(UIScreenStateTests.view(.verifyingFace))
        _ = memory.absorb(.faceMismatch(attemptsLeft: 1), at: UIScreenStateTests.now)
        memory.absorb(UIScreenStateTests.view(.capturingFace))
        #expect(project(.capturingFace, memory).face?.attemptsLeft == 1)
        // Past the comparison (a match goes to the form): forgotten.
        memory.absorb(UIScreenStateTests.view(.fillingForm))
        #expect(memory.faceAttemptsLeft == nil)
        memory.absorb(UIScreenStateTests.view(.capturingFace))
        #expect(project(.capturingFace, memory).face?.attemptsLeft == nil)
    }

    @Test func captureFace_isAnEventOfItsOwn_withoutFields() throws {
        #expect(try UIEventRequest.parse(Array(#"{"event":"captureFace"}"#.utf8)).get() == .captureFace)
        #expect(UIEventRequest.names.contains("captureFace"))
        guard case .failure(let problem) = UIEventRequest.parse(Array(#"{"event":"captureFace","image":"x"}"#.utf8))
        else {
            Issue.record("a captureFace with a field was taken")
            return
        }
        #expect(problem.field == "image")
    }
}
